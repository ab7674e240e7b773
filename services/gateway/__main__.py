from services.launch import main

main("gateway")
