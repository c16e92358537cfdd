"""Django's hashers at the lowest cost Django accepts, so tests hash in milliseconds.

Each keeps its algorithm name, so its hashes are in exactly the format of the
real hasher, only with smaller cost parameters (which the format records).
"""

from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    BCryptPasswordHasher,
    BCryptSHA256PasswordHasher,
    PBKDF2PasswordHasher,
    PBKDF2SHA1PasswordHasher,
    ScryptPasswordHasher,
)


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000


class FastPBKDF2SHA1PasswordHasher(PBKDF2SHA1PasswordHasher):
    iterations = 1000


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 256
    parallelism = 2


class FastBCryptSHA256PasswordHasher(BCryptSHA256PasswordHasher):
    rounds = 4


class FastBCryptPasswordHasher(BCryptPasswordHasher):
    rounds = 4


class FastScryptPasswordHasher(ScryptPasswordHasher):
    work_factor = 2**10
