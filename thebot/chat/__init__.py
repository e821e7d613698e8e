"""The chat pages every role uses (the conversation itself runs over the `/chat` namespace)."""
