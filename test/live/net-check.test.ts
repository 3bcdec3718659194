// The strace log parser behind the live network check: it must see every IPv4/IPv6 destination, DNS included.

import { expect, test } from "bun:test";
import { isAllowedDestination, parseDestinations } from "./net-check.ts";

const LOG = [
  '10476 connect(16, {sa_family=AF_INET, sin_port=htons(44711), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
  '10476 connect(21, {sa_family=AF_INET, sin_port=htons(44711), sin_addr=inet_addr("127.0.0.1")}, 16) = -1 EINPROGRESS (Operation now in progress)',
  '9004  connect(7, {sa_family=AF_UNIX, sun_path="/var/run/nscd/socket"}, 110) = -1 ENOENT (No such file or directory)',
  '9004  sendto(9, "\\x12\\x34"..., 40, MSG_NOSIGNAL, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("10.255.255.53")}, 16) = 40',
  '9010  connect(5, {sa_family=AF_INET6, sin6_port=htons(443), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "2001:db8::1", &sin6_addr), sin6_scope_id=0}, 28) = -1 EINPROGRESS',
  '9010  connect(6, {sa_family=AF_INET6, sin6_port=htons(4096), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28) = 0',
  "9011  sendto(8, \"GET / HTTP/1.1\\r\\n\"..., 120, 0, NULL, 0) = 120",
].join("\n");

test("parseDestinations lists each IPv4/IPv6 destination once, in order, and ignores unix sockets", () => {
  expect(parseDestinations(LOG)).toEqual(["127.0.0.1:44711", "10.255.255.53:53", "[2001:db8::1]:443", "[::1]:4096"]);
});

test("isAllowedDestination accepts 127/8 and ::1, but never DNS, not even to a local resolver", () => {
  expect(parseDestinations(LOG).filter((d) => !isAllowedDestination(d))).toEqual(["10.255.255.53:53", "[2001:db8::1]:443"]);
  expect(isAllowedDestination("[::ffff:127.0.0.1]:80")).toBe(true);
  expect(isAllowedDestination("127.0.0.53:53")).toBe(false);
  expect(isAllowedDestination("128.0.0.1:80")).toBe(false);
});
