"""Fixed query budgets: a page's statements never grow with the diary, and stay under these."""

# The peer's Schedule page: the login session and the user (2); upcoming and past, each a page
# and its meetings (4); whether anything is being prepared (1); the certification (1); requests to
# answer and sessions called off ahead, and their meetings (2); the Zoom banners: the connection,
# meetings on another account, sessions waiting for a switch, sessions needing a link (4); the
# form's Basic-host limit (1); the Zoom pill's connection (1). Issue 15's banners and form note and
# issue 17's sections brought it from 12. Each reads the connection afresh: sharing the user's
# cached relation saved one query and answered stale after a change within one request.
SCHEDULE_PAGE_QUERIES = 16
