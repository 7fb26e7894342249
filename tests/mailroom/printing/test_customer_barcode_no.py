"""「の」「ノ」 in the 住所表示番号, by the extraction rules of Japan Post's barcode manual.

The rules are those of 郵便番号・バーコードマニュアル「バーコードに必要な文字情報の抜き出し法(3/9)」
(https://www.post.japanpost.jp/zipcode/zipmanual/p19.html). Each case below names the rule
sentence it comes from:

基本ルール3: 「1および2で整理したデータから、算用数字、ハイフンおよび連続していないアルファベット
    1文字を必要な文字情報として抜き出します。」
基本ルール4: 「次に抜き出された文字の前にある下記の文字等は、ハイフン1文字に置き換えます。
    「漢字」、「かな文字」、「カタカナ文字」、「漢数字」、「ブランク」、「2文字以上連続したアルファベット文字」」
基本ルール5: 「4の置き換えで、ハイフンが連続する場合は1つにまとめます。」
基本ルール6: 「最後に、先頭がハイフンの場合は取り除きます。」
補足ルール1: 「漢数字が下記の特定文字の前にある場合は抜き出し対象とし、算用数字に変換して抜き出します。」
    the nine characters being "丁目" "丁" "番地" "番" "号" "地割" "線" "の" "ノ"
補足ルール2: 「連続していないアルファベット1文字は抜き出し対象となりますが、算用数字に続くアルファベット
    1文字"F"に限っては抜き出し対象としません。」
補足ルール3: 「…更に、"F"以降のデータに抜き出し対象となる文字がある場合、"F"はハイフン1文字に置き換えます。」
補足ルール4: 「抜き出し後のバーコードデータについて、アルファベット文字の前後にあるハイフンは取り除きます。」

So 「の」「ノ」 need no rule of their own to become a hyphen: they are かな/カタカナ, and 基本ルール4
makes them the hyphen before the number that follows. What 補足ルール1 adds is that a kanji numeral
right before them is read as a number, as before 丁目, 番地 or 号.
"""

import pytest

from mailroom.printing.customer_barcode import address_number, encode, for_address


@pytest.mark.parametrize("address, number", [
    # 補足ルール1 (the kanji numeral before の/ノ, and the one before 番/番地/号) + 基本ルール4 (の/ノ).
    ("三ノ五番", "3-5"),
    ("二の三十番地", "2-30"),
    ("二十一の百五番地", "21-105"),
    ("百五ノ三十号", "105-30"),
    # Half-width katakana ﾉ is ノ once widths are normalised.
    ("三ﾉ五番", "3-5"),
])
def test_a_kanji_numeral_before_no_is_read_as_a_number_and_no_becomes_the_hyphen(address, number):
    assert address_number(address) == number


@pytest.mark.parametrize("address, number", [
    # 基本ルール3 (the digits are extracted) + 基本ルール4 (the かな/カタカナ before the next digit).
    ("3の5", "3-5"),
    ("３ノ５", "3-5"),
    ("3ﾉ5", "3-5"),
    ("１２３番地の４", "123-4"),
])
def test_no_between_arabic_numbers_becomes_the_hyphen(address, number):
    assert address_number(address) == number


def test_a_kanji_numeral_after_no_and_before_none_of_the_nine_characters_is_not_read():
    # 基本ルール4 lists 「漢数字」 among what is replaced, and 補足ルール1 reads a kanji numeral only
    # before one of its nine characters: the trailing 一 of 六番地の一 is not extracted.
    assert address_number("六番地の一") == "6"


@pytest.mark.parametrize("address, number", [
    # 基本ルール4 + 6: the word before the first number is one hyphen, then dropped.
    ("の森1-2", "1-2"),
    ("緑の森3丁目4-5", "3-4-5"),
    # 基本ルール4 + 5: a building name between numbers is one hyphen, however many kana it has.
    ("1-2 ノースビル305", "1-2-305"),
    ("5-6 ひばりの森ハイツ101号", "5-6-101"),
    # 基本ルール4 replaces only what stands before an extracted character: a trailing word leaves no hyphen.
    ("4丁目5-6 ノースビル", "4-5-6"),
])
def test_no_inside_a_word_adds_no_number_and_no_extra_hyphen(address, number):
    assert address_number(address) == number


def test_a_kanji_numeral_before_no_is_read_even_inside_a_building_name():
    # 補足ルール1 does not ask what the kanji numeral belongs to: 一ノ瀬 reads as 1 like 一番.
    assert address_number("5-6 一ノ瀬ハイツ101") == "5-6-1-101"


@pytest.mark.parametrize("address, number", [
    # 補足ルール1 before 丁目, 番地, の and 号, then 基本ルール4/5 for the building name.
    ("三丁目五番地の二十一号 ノースハイツ二〇一号", "3-5-21-201"),
    ("十一丁目三ノ五号 郵便ビル百五号室", "11-3-5-105"),
    # 補足ルール2: the F of a floor at the end is not extracted.
    ("3丁目5番地の21 ノースビル2F", "3-5-21-2"),
    # 補足ルール3: an F with more to extract after it becomes a hyphen.
    ("二の三十番地 の森ビル5F502", "2-30-5-502"),
    # 補足ルール4: the hyphens either side of a lone letter are removed.
    ("4ノ5 A棟の101", "4-5A101"),
])
def test_no_with_blocks_lots_floors_and_rooms(address, number):
    assert address_number(address) == number


def test_a_town_name_with_a_kanji_numeral_and_no_is_not_read_as_a_number():
    # The rules apply to 住所B, the address after the town name (抜き出し法(2/9)); 三ノ輪 is a town.
    assert address_number("東京都台東区三ノ輪二丁目十一番五号", town="三ノ輪") == "2-11-5"


# (postal code, address, the symbols between STC and SPC), the check symbol worked by hand:
# 2+6+3+0+0+2+3 + 3+10+5 + 10×14 = 174, 174 mod 19 = 3, 19 − 3 = 16 → CC6;
# 1+1+0+0+0+1+1 + 2+10+1+1+10+5 + 7×14 = 131, 131 mod 19 = 17, 19 − 17 = 2.
BARCODES_WITH_NO = [
    ("263-0023", "千葉市稲毛区緑町三ノ五番", "2 6 3 0 0 2 3 3 - 5" + " CC4" * 10 + " CC6"),
    ("110-0011", "東京都台東区三ノ輪二丁目十一番五号", "1 1 0 0 0 1 1 2 - 1 1 - 5" + " CC4" * 7 + " 2"),
]


@pytest.mark.parametrize("postal_code, address, expected", BARCODES_WITH_NO, ids=[b[0] for b in BARCODES_WITH_NO])
def test_the_barcode_for_an_address_with_no_skips_the_town_name_from_japan_posts_list(postal_code, address,
                                                                                       expected):
    assert list(for_address(postal_code, address).symbols) == ["STC", *expected.split(), "SPC"]


def test_the_barcode_for_an_address_with_no_between_kanji_numerals():
    postal_code, address, expected = BARCODES_WITH_NO[0]
    assert list(encode(postal_code, address).symbols) == ["STC", *expected.split(), "SPC"]
