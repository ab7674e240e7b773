from services.launch import main

main("members")
