"""The organisation view: teams' published exports (`opsbook.json`, feeds, search indexes) → one site,
one merged calendar, one search, a scorecard and a Backstage catalogue, with no server and no tokens.

- `contract`: the export's models (`opsbook.json`, schema_version major.minor), shared by writer and reader;
- `export`: a team's handbook → its `opsbook.json` (written by `ops build`);
- `config`: `org.yaml`, read with file and line in every error;
- `fetch`: what to ask each team's site for (pure), then the requests, with revalidation and caps;
- `view` and `scorecard`: the kept copies → what the organisation's pages show (pure);
- `pages`, `merge`, `catalogue`: renderers that only read the view;
- `build`: the pipeline behind `ops org build`; `starter`: `ops org init`.
"""
