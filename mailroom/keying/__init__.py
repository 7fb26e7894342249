"""申請データ入力: keying what residents wrote that matters for payment, by double entry (ベリファイ入力)."""
