from services.launch import main

main("notify")
