from efmcat.cli import main

main()
