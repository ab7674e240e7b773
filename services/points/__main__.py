from services.launch import main

main("points")
