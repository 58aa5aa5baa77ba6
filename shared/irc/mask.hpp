#pragma once
// Masks: the glob patterns of bans (MODE +b) and of WHO and LIST, matched against a user's
// "nick!user@host" or a channel name.
//
// '*' matches any run of bytes, '?' exactly one byte; every other byte matches itself ignoring
// ASCII case (CASEMAPPING=ascii). There is no escape character: IRC masks have none that
// clients agree on, and nicks, users and hosts hold neither '*' nor '?'.

#include <string>
#include <string_view>

namespace parley::irc {

// True if `mask` matches all of `subject`. Never backtracks further than the last '*' seen, so
// a match costs at most O(|mask| x |subject|) steps and usually O(|subject|): patterns such as
// "*a*a*a*a*b" cannot blow up as with a recursive matcher.
bool mask_match(std::string_view mask, std::string_view subject);

// Completes a partial ban mask as IRC servers do, so that it can be matched against
// "nick!user@host":
//   "nick"              -> "nick!*@*"
//   "user@host"         -> "*!user@host"
//   "nick!user"         -> "nick!user@*"
//   "*.example.org"     -> "*!*@*.example.org"  (no '!' or '@' but a '.' or ':': a host,
//                                               as nicks hold neither)
//   "nick!user@host"    -> unchanged
// An empty part becomes "*" ("nick!@host" -> "nick!*@host", "" -> "*!*@*"). The nick and user
// end at the first '!' and the user at the first '@'; the host is everything after that '@'.
std::string normalise_mask(std::string_view mask);

}  // namespace parley::irc
