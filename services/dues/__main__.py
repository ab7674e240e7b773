from services.launch import main

main("dues")
