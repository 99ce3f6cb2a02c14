-- 84_orphan_objects.sql: the S3 side of the orphan-files task (issue 16): `nightjar orphans`
-- lists a source's prefix and passes the listing here (after 82_housekeeping_files.sql).

-- orphan_objects is orphan_files for an S3 listing: paths are keys, root the source's
-- prefix; a key archived as s3://<bucket>/<key> is referenced too.
CREATE FUNCTION nightjar.orphan_objects(bucket text, listing jsonb, grace interval DEFAULT '7 days',
                                        at timestamptz DEFAULT now())
RETURNS TABLE (path text, modified timestamptz)
LANGUAGE sql AS $$
    SELECT o.path, o.modified FROM nightjar.orphan_files(listing, grace, '{}', at) o
    WHERE NOT EXISTS (SELECT 1 FROM nightjar.file f WHERE f.archive_location = 's3://' || bucket || '/' || o.path)
    ORDER BY o.path
$$;
