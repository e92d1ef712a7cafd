from praxis_jax.demo import main

main()
