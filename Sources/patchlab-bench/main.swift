// patchlab-bench: prints speed and memory figures (never asserted by tests).
print("patchlab-bench")
