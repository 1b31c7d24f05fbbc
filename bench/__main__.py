"""Every benchmark in one command: `./dev bench` (add --quick for the small CI-sized run)."""
import importlib
import sys


def main(argv):
    quick = "--quick" in argv
    from bench import cold_start, export_bench

    print("=" * 72)
    cold_start.main(3 if quick else 9)
    print("=" * 72)
    export_bench.main((2_000, 20_000) if quick else (10_000, 100_000))
    for name in ("verify_bench", "handler_bench", "statistics_bench", "results_search_bench", "review_search_bench",
                 "certificates", "lighthouse_bench"):
        try:
            module = importlib.import_module(f"bench.{name}")
        except ImportError:
            continue
        print("=" * 72)
        module.main(quick=quick) if "quick" in module.main.__code__.co_varnames else module.main()


if __name__ == "__main__":
    main(sys.argv[1:])
