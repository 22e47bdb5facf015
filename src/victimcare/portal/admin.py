# Messages and sign-in codes concern named victims: kept out of the admin on purpose.
