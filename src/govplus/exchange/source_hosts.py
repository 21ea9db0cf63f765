"""Which hosts a resource's SQL or HTTP source may reach (来源主机白名单): the guard against server-side
request forgery. A data officer types the source's URL, the platform connects to it: without a guard an
officer (or a stolen officer account) could make the platform read the cloud metadata service
(169.254.169.254, 100.100.100.200), the platform's own database or an internal admin page, and see the
answer in the version's problems.

Rules (`GOVPLUS_EXCHANGE_SOURCE_HOSTS`, comma-separated):
- a host name (`db.gaj.gov.cn`, or `*.gaj.gov.cn` for its subdomains) allows that name, whatever it
  resolves to — the administrator vouches for it;
- an address or CIDR range (`10.20.0.0/16`, `192.168.1.5`, `fd00::/8`) allows the addresses in it;
- `public` allows every public (globally routable) address; `*` allows everything.
- Any other address — loopback, private (RFC 1918), link-local and the metadata services, carrier-grade
  NAT, reserved, multicast — is refused. Unset, the setting is `public` (plus loopback with DEBUG or in
  the tests, whose sources are local); set empty, no source may reach the network.
- Every address the name resolves to must be allowed (a name answering one public and one private
  address is refused). The check runs when the source is configured and again at each fetch (DNS can
  change); the fetch then connects to the very address it checked, not to a second lookup's answer.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class HostRefused(Exception):
    """The host may not be reached (or cannot be resolved): (Chinese, English)."""

    def __init__(self, message: str, message_en: str, *, is_unresolved: bool = False) -> None:
        super().__init__(message_en)
        self.message, self.message_en, self.is_unresolved = message, message_en, is_unresolved


def _rules() -> tuple[bool, bool, set[str], list[Network]]:
    """(everything allowed, public addresses allowed, listed names, listed networks)."""
    everything = public = False
    names: set[str] = set()
    networks: list[Network] = []
    for item in settings.GOVPLUS_EXCHANGE_SOURCE_HOSTS:
        entry = item.strip().lower().rstrip(".")
        if entry == "*":
            everything = True
        elif entry == "public":
            public = True
        elif entry:
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry)
    return everything, public, names, networks


def _name_listed(host: str, names: set[str]) -> bool:
    return host in names or any(n.startswith("*.") and host.endswith(n[1:]) for n in names)


def _address_allowed(address: Address, *, public: bool, networks: list[Network]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if any(address in network for network in networks):
        return True
    return public and address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _refused(host: str, address: str = "") -> HostRefused:
    shown = f"{host}（{address}）" if address and address != host else host
    shown_en = f"{host} ({address})" if address and address != host else host
    return HostRefused(
        f"不允许访问 {shown}：内网、本机或保留地址须由平台管理员加入 GOVPLUS_EXCHANGE_SOURCE_HOSTS",
        f"{shown_en} may not be reached: a private, loopback or reserved address must be listed in "
        "GOVPLUS_EXCHANGE_SOURCE_HOSTS by the platform administrator",
    )


def _resolved(host: str, port: int) -> list[str]:
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise HostRefused(
            f"无法解析主机名 {host}", f"the host name {host} cannot be resolved", is_unresolved=True
        ) from error
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in found))


def addresses_checked(host: str, port: int) -> list[str]:
    """The addresses to connect to for `host` (each one allowed), in the resolver's order; HostRefused
    when the host, or any address it resolves to, is not allowed, or it does not resolve."""
    host = host.strip().lower().rstrip(".")
    everything, public, names, networks = _rules()
    literal = _literal(host)
    if literal is not None:
        if everything or _address_allowed(literal, public=public, networks=networks):
            return [str(literal)]
        raise _refused(host)
    addresses = _resolved(host, port)
    if everything or _name_listed(host, names):
        return addresses
    for address in addresses:
        if not _address_allowed(ipaddress.ip_address(address), public=public, networks=networks):
            raise _refused(host, address)
    return addresses


def host_problem(host: str, port: int) -> str | None:
    """Why a source naming `host` may not be configured (None: it may). A name that does not resolve
    from here is accepted when public addresses are allowed — it is checked again at every fetch."""
    host = host.strip().lower().rstrip(".")
    everything, public, names, _ = _rules()
    if everything or _name_listed(host, names):
        return None
    try:
        addresses_checked(host, port)
    except HostRefused as refused:
        if refused.is_unresolved and public:
            return None
        shown = _refused(host) if refused.is_unresolved else refused
        return f"{shown.message} / {shown.message_en}"
    return None
