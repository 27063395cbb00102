from efmcat.fastpath import main

main()
