"""`make bench`: run every benchmark and print its figures (see bench/README.md)."""

from bench import chat_fanout

if __name__ == "__main__":
    chat_fanout.main()
