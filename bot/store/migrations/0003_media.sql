-- 0003: a post's images (JSON: source and alt text of each, on_image_error),
-- frozen after the first attempt like its text. Empty: no images.
ALTER TABLE outbox ADD COLUMN media TEXT NOT NULL DEFAULT '';
