"""The busy curve (入電予測): daily and half-hourly inbound calls from a programme's mailings."""
