from services.launch import main

main("activities")
