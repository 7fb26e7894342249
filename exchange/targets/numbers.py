"""The 宛名番号 check digit some municipal systems append.

Modulus 11 with weights 2 to 7 repeating from the rightmost digit of the body: the check digit
is 11 minus the remainder of the weighted sum, and a result of 10 or 11 becomes 0.
"""

from __future__ import annotations


def check_digit(body: str) -> int:
    weights = [2, 3, 4, 5, 6, 7]
    total = sum(int(digit) * weights[i % 6] for i, digit in enumerate(reversed(body)))
    return (11 - total % 11) % 11 % 10


def has_valid_check_digit(number: str) -> bool:
    return len(number) >= 2 and number.isdigit() and check_digit(number[:-1]) == int(number[-1])


def with_check_digit(body: str) -> str:
    return body + str(check_digit(body))
