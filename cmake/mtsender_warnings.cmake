# Warnings every target of ours builds clean under.
set(MTSENDER_WARNINGS -Wall -Wextra -Wpedantic)
