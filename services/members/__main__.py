from services.common.runner import main

main("members")
