"""Small number theory used to build the expander topologies at configuration time.

Everything here runs once, in plain Python/numpy, on Python ints; nothing is traced by jax.
"""

from __future__ import annotations

import itertools


def is_prime(n: int) -> bool:
    """Deterministic primality for the sizes we build graphs of (trial division)."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    f = 3
    while f * f <= n:
        if n % f == 0:
            return False
        f += 2
    return True


def prime_factors(n: int) -> list[int]:
    """Distinct prime factors of ``n >= 1`` in increasing order."""
    out, f = [], 2
    while f * f <= n:
        if n % f == 0:
            out.append(f)
            while n % f == 0:
                n //= f
        f += 1
    if n > 1:
        out.append(n)
    return out


def primes_near(x: float, *, mod4: int | None = None, count: int = 1) -> list[int]:
    """The ``count`` primes closest to ``x`` (optionally ``≡ mod4 (mod 4)``), nearest first."""
    found: list[int] = []
    for delta in itertools.count():
        for cand in sorted({int(round(x)) - delta, int(round(x)) + delta}):
            if cand >= 2 and is_prime(cand) and (mod4 is None or cand % 4 == mod4):
                if cand not in found:
                    found.append(cand)
        if len(found) >= count:
            return found[:count]


def sqrt_mod(a: int, q: int) -> int | None:
    """Smallest ``x`` with ``x*x ≡ a (mod q)`` for a small prime ``q``, or None."""
    a %= q
    for x in range(q):
        if x * x % q == a:
            return x
    return None


def legendre(a: int, q: int) -> int:
    """Legendre symbol (a/q) for an odd prime q: +1, -1 or 0."""
    r = pow(a % q, (q - 1) // 2, q)
    return -1 if r == q - 1 else r


def four_squares(p: int) -> list[tuple[int, int, int, int]]:
    """All (a0, a1, a2, a3) with a0² + a1² + a2² + a3² = p, a0 > 0 odd, a1..a3 even.

    For a prime p ≡ 1 (mod 4) there are exactly p + 1 of them (Jacobi), the generators of LPS.
    """
    r = int(p**0.5) + 1
    sols = []
    for a0 in range(1, r + 1, 2):
        for a1 in range(-r + (r % 2), r + 1, 2):
            for a2 in range(-r + (r % 2), r + 1, 2):
                rest = p - a0 * a0 - a1 * a1 - a2 * a2
                if rest < 0:
                    continue
                a3 = int(round(rest**0.5))
                if a3 * a3 == rest and a3 % 2 == 0:
                    sols.append((a0, a1, a2, a3))
                    if a3:
                        sols.append((a0, a1, a2, -a3))
    return sorted(set(sols))


def _polymulmod(x: list[int], y: list[int], f: list[int], m: int) -> list[int]:
    """Product of two polynomials (coefficient lists, low degree first) modulo monic cubic f, mod m."""
    prod = [0] * 5
    for i, xi in enumerate(x):
        for j, yj in enumerate(y):
            prod[i + j] = (prod[i + j] + xi * yj) % m
    for deg in (4, 3):  # reduce x^deg = -(f0 + f1 x + f2 x^2) x^(deg-3)
        c = prod[deg]
        if c:
            prod[deg] = 0
            for k in range(3):
                prod[deg - 3 + k] = (prod[deg - 3 + k] - c * f[k]) % m
    return prod[:3]


def _polypow(base: list[int], e: int, f: list[int], m: int) -> list[int]:
    result, b = [1, 0, 0], base
    while e:
        if e & 1:
            result = _polymulmod(result, b, f, m)
        b = _polymulmod(b, b, f, m)
        e >>= 1
    return result


def primitive_cubic(m: int) -> list[int]:
    """Coefficients [f0, f1, f2] of a primitive monic cubic x³ + f2 x² + f1 x + f0 over GF(m).

    Primitive: irreducible (no root in GF(m)) and x has multiplicative order m³ − 1.
    """
    order = m**3 - 1
    factors = prime_factors(order)
    unit_factors = prime_factors(m - 1)
    for f0 in range(1, m):
        # The norm of a primitive element, -f0, must itself generate GF(m)*: skip the rest early.
        if m > 2 and any(pow(-f0 % m, (m - 1) // r, m) == 1 for r in unit_factors):
            continue
        for f1 in range(m):
            for f2 in range(m):
                f = [f0, f1, f2]
                if any((r**3 + f2 * r * r + f1 * r + f0) % m == 0 for r in range(m)):
                    continue
                x = [0, 1, 0]
                if all(_polypow(x, order // r, f, m) != [1, 0, 0] for r in factors):
                    return f
    raise ValueError(f"no primitive cubic over GF({m}); is {m} prime?")


def singer_difference_set(m: int) -> list[int]:
    """Singer perfect difference set of size m + 1 in Z_N, N = m² + m + 1, for a prime m.

    Built from a primitive element α of GF(m³) = GF(m)[x]/(f): D = {i in [0, N) : the x² coefficient of
    α^i is 0}, i.e. the exponents whose powers lie in the plane span{1, x}. Every non-zero residue mod N
    is a difference d − d' of exactly one ordered pair of D.
    """
    if not is_prime(m):
        raise ValueError(f"Singer construction needs a prime m; got m={m}")
    n = m * m + m + 1
    f = primitive_cubic(m)
    cur, d = [1, 0, 0], []
    for i in range(n):
        if cur[2] == 0:
            d.append(i)
        # multiply by x: (c0 + c1 x + c2 x^2) x = c0 x + c1 x^2 + c2 x^3, x^3 = -(f0 + f1 x + f2 x^2)
        c0, c1, c2 = cur
        cur = [(-c2 * f[0]) % m, (c0 - c2 * f[1]) % m, (c1 - c2 * f[2]) % m]
    return d
