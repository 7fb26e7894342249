"""The print room (印刷): personalised forms, letters and envelopes, and the codes printed on them."""
