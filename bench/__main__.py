"""`make bench`: run the benchmarks and print their figures (see bench/README.md).

python -m bench [fanout] [pages] [memory] [load]   (none named: all of them)
BENCH_QUICK=1 runs a CI-sized subset (fewer messages, clients and seconds; eventlet only).
Exits non-zero when the load run saw a server error or a query count grew.
"""

import sys
import time

from bench import chat_fanout, load, memory, pages


def _fanout() -> bool:
    chat_fanout.main()
    return True


def _memory() -> bool:
    memory.main()
    return True


def _load() -> bool:
    return load.main([]) == 0


# Each part prints its figures and answers whether it passed.
PARTS = {"fanout": _fanout, "pages": pages.main, "memory": _memory, "load": _load}


def main(argv: list[str]) -> int:
    unknown = [name for name in argv if name not in PARTS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(PARTS)}")
        return 2
    began = time.monotonic()
    failed = [name for name in (argv or list(PARTS)) if not PARTS[name]()]
    print(f"\nbenchmarks done in {time.monotonic() - began:.0f} s")
    if failed:
        print(f"FAILED: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
