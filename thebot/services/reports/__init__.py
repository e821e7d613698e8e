"""Weekly reports (domain.md section 4), one module per concern: `rules` (weeks, fields, kinds,
who receives and who may edit), `writing` (drafts and sending), `reading` (opening, marking read,
lists, counters and progress), `serialize` (JSON), `announce` (notifications and live events) and
`constraints` (refused database constraints as domain errors)."""
