"""The customer barcode against every worked example in Japan Post's barcode manual."""

import pytest

from mailroom.printing.customer_barcode import NoCustomerBarcode, address_number, decode_bars, encode, \
    for_address, kanji_to_int

# (postal code, address, the symbols between STC and SPC) as the manual prints them.
MANUAL_EXAMPLES = [
    ("263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号", "2 6 3 0 0 2 3 3 - 3 0 - 8 - 4 0 3 CC4 CC4 CC4 5"),
    ("014-0113", "秋田県大仙市堀見内　南田茂木　添60-1", "0 1 4 0 1 1 3 6 0 - 1 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC8"),
    ("110-0016", "東京都台東区台東5-6-3　ABCビル10F", "1 1 0 0 0 1 6 5 - 6 - 3 - 1 0 CC4 CC4 CC4 CC4 CC4 9"),
    ("060-0906", "北海道札幌市東区北六条東4丁目　郵便センター6号館",
     "0 6 0 0 9 0 6 4 - 6 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 9"),
    ("065-0006", "北海道札幌市東区北六条東8丁目　郵便センター10号館",
     "0 6 5 0 0 0 6 8 - 1 0 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 9"),
    ("407-0033", "山梨県韮崎市龍岡町下條南割　韮崎400", "4 0 7 0 0 3 3 4 0 0 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 -"),
    ("273-0102", "千葉県鎌ケ谷市右京塚　東3丁目-20-5　郵便・A&bコーポB604号",
     "2 7 3 0 1 0 2 3 - 2 0 - 5 CC1 1 6 0 4 CC4 CC4 0"),
    ("198-0036", "東京都青梅市河辺町十一丁目六番地一号　郵便タワー601",
     "1 9 8 0 0 3 6 1 1 - 6 - 1 - 6 0 1 CC4 CC4 CC4 CC8"),
    ("027-0203", "岩手県宮古市大字津軽石第二十一地割大淵川480", "0 2 7 0 2 0 3 2 1 - 4 8 0 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC5"),
    ("590-0016", "大阪府堺市堺区中田出井町四丁六番十九号", "5 9 0 0 0 1 6 4 - 6 - 1 9 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC2"),
    ("080-0831", "北海道帯広市稲田町南七線　西28", "0 8 0 0 8 3 1 7 - 2 8 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC4 CC7"),
    ("317-0055", "茨城県日立市宮田町6丁目7-14　ABCビル2F", "3 1 7 0 0 5 5 6 - 7 - 1 4 - 2 CC4 CC4 CC4 CC4 CC4 CC1"),
    ("650-0046", "神戸市中央区港島中町9丁目7-6　郵便シティA棟1F1号", "6 5 0 0 0 4 6 9 - 7 - 6 CC1 0 1 - 1 CC4 CC4 CC4 5"),
    ("623-0011", "京都府綾部市青野町綾部6-7　LプラザB106", "6 2 3 0 0 1 1 6 - 7 CC2 1 CC1 1 1 0 6 CC4 CC4 CC4 4"),
    ("064-0804", "札幌市中央区南四条西29丁目1524-23　第2郵便ハウス501", "0 6 4 0 8 0 4 2 9 - 1 5 2 4 - 2 3 - 2 - 3"),
    ("910-0067", "福井県福井市新田塚3丁目80-25　J1ビル2-B", "9 1 0 0 0 6 7 3 - 8 0 - 2 5 CC1 9 1 - 2 CC1 9"),
]


@pytest.mark.parametrize("postal_code, address, expected", MANUAL_EXAMPLES, ids=[e[0] for e in MANUAL_EXAMPLES])
def test_the_manuals_worked_examples(postal_code, address, expected):
    assert list(encode(postal_code, address).symbols) == ["STC", *expected.split(), "SPC"]


@pytest.mark.parametrize("postal_code, address, expected", MANUAL_EXAMPLES, ids=[e[0] for e in MANUAL_EXAMPLES])
def test_the_manuals_worked_examples_with_the_town_name_from_japan_posts_list(postal_code, address, expected):
    assert list(for_address(postal_code, address).symbols) == ["STC", *expected.split(), "SPC"]


@pytest.mark.parametrize("postal_code, address, expected", MANUAL_EXAMPLES, ids=[e[0] for e in MANUAL_EXAMPLES])
def test_the_bars_we_draw_read_back_as_the_same_symbols(postal_code, address, expected):
    barcode = encode(postal_code, address)
    assert decode_bars(barcode.bars) == list(barcode.symbols)
    assert len(barcode.bars) == 2 + 21 * 3 + 2


def test_a_town_name_with_a_block_counter_is_not_read_as_a_number():
    assert address_number("東京都千代田区一番町10-2", town="一番町") == "10-2"


def test_a_representative_postal_code_gets_no_barcode():
    with pytest.raises(NoCustomerBarcode, match="以下に掲載がない場合"):
        for_address("1000000", "東京都千代田区")


def test_a_malformed_postal_code_is_refused():
    with pytest.raises(NoCustomerBarcode, match="7 digits"):
        encode("26300", "千葉市稲毛区緑町3丁目30-8")


def test_a_damaged_bar_is_caught_by_the_check_symbol():
    bars = encode("263-0023", "千葉市稲毛区緑町3丁目30-8　郵便ビル403号").bars
    damaged = bars[:10] + ("1" if bars[10] != "1" else "4") + bars[11:]
    with pytest.raises(ValueError):
        decode_bars(damaged)


@pytest.mark.parametrize("text, number", [("一", 1), ("十", 10), ("十一", 11), ("二十一", 21), ("百二", 102),
                                          ("二〇", 20), ("千二百三十四", 1234)])
def test_kanji_numerals(text, number):
    assert kanji_to_int(text) == number
