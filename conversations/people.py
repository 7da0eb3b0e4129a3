"""How the shop's people are named: to their team (name, else e-mail address) and to shoppers
(name, else the first part of their address: a shopper never sees an e-mail address)."""


def person_label(user) -> str:
    if user is None:
        return ""
    return user.full_name.strip() or user.email


def person_public_name(user) -> str:
    if user is None:
        return ""
    return user.full_name.strip() or user.email.split("@", 1)[0]
