"""Inquiries (問い合わせ): finding the caller, logging what they asked, and acting on it."""
