"""The amount a household is due under a programme's rules (per household plus per child)."""

from datetime import date


def age_on(birth_date: date, day: date) -> int:
    """Age in completed years, the way Japanese law counts it for eligibility.

    Under 年齢計算ニ関スル法律 a person reaches a new age at the end of the day before their
    birthday; for "aged N or younger on the reference date" the calendar count gives the same
    answer, so the ordinary calculation is used.
    """
    years = day.year - birth_date.year
    if (day.month, day.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def household_amount(*, per_household_yen: int, per_child_yen: int, child_max_age: int,
                     reference_date: date, birth_dates: list[date]) -> int:
    children = sum(1 for born in birth_dates if age_on(born, reference_date) <= child_max_age)
    return per_household_yen + per_child_yen * children
