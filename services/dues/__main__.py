from services.common.runner import main

main("dues")
