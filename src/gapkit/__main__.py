from gapkit.cli import main

main()
