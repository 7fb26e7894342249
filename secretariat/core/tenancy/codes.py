"""The 全国地方公共団体コード: five digits plus a modulus-11 check digit."""

from secretariat.core.errors import InvalidInput

_WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first_five: str) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(first_five, _WEIGHTS))
    return (11 - total % 11) % 10


def validate_municipality_code(code: str) -> str:
    """Return the code if it is six digits with a correct check digit; say what is wrong otherwise.

    A mistyped code would silently create a second tenant, so it is refused rather than stored.
    """
    code = code.strip()
    if len(code) != 6 or not code.isascii() or not code.isdigit():
        raise InvalidInput(f"自治体コード「{code}」は6桁の数字（全国地方公共団体コード）で書いてください")
    expected = check_digit(code[:5])
    if int(code[5]) != expected:
        raise InvalidInput(f"自治体コード {code} のチェックデジットが合いません（正しくは {code[:5]}{expected}）")
    return code
