"""The call center (コールセンター): inquiries, telephony, and the staffing plan."""
