//! X1, X2: the desktop's releases, their bundles (in chunks, like customers'
//! files, so every instance serves them) and the versions installations run.

use super::files::CHUNK_BYTES;
use super::{Store, StoreResult};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReleaseRow {
    pub id: i64,
    pub version: String,
    pub notes_it: String,
    pub notes_en: String,
    pub share: i64,
    pub published_at: i64,
    pub withdrawn_at: Option<i64>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BundleRow {
    pub release_id: i64,
    pub target: String,
    pub name: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub signature: String,
}

const RELEASE_SELECT: &str = "SELECT id, version, notes_it, notes_en, share, published_at, withdrawn_at FROM releases";
const BUNDLE_SELECT: &str = "SELECT release_id, target, name, size_bytes, sha256, signature FROM release_bundles";

impl Store {
    /// A new release, committed with the request's audit row; None when the
    /// version exists already.
    pub async fn insert_release(
        &self,
        version: &str,
        notes: (&str, &str),
        share: u8,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.begin_write().await?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM releases WHERE version = $1")
            .bind(version)
            .fetch_optional(&mut *tx)
            .await?;
        if taken.is_some() {
            tx.rollback().await?;
            return Ok(None);
        }
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO releases (version, notes_it, notes_en, share, published_at) VALUES ($1, $2, $3, $4, $5)
             RETURNING id",
        )
        .bind(version)
        .bind(notes.0)
        .bind(notes.1)
        .bind(i64::from(share))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        self.commit(tx, &[], now).await?;
        Ok(Some(id))
    }

    pub async fn release(&self, version: &str) -> StoreResult<Option<ReleaseRow>> {
        Ok(sqlx::query_as(&format!("{RELEASE_SELECT} WHERE version = $1"))
            .bind(version)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Every release, newest first: a company publishes a few a year.
    pub async fn releases(&self) -> StoreResult<Vec<ReleaseRow>> {
        Ok(
            sqlx::query_as(&format!("{RELEASE_SELECT} ORDER BY published_at DESC, id DESC"))
                .fetch_all(&self.pool)
                .await?,
        )
    }

    pub async fn release_bundles(&self, release_id: i64) -> StoreResult<Vec<BundleRow>> {
        Ok(
            sqlx::query_as(&format!("{BUNDLE_SELECT} WHERE release_id = $1 ORDER BY target"))
                .bind(release_id)
                .fetch_all(&self.pool)
                .await?,
        )
    }

    /// A platform's bundle of a release, in place of an earlier upload for
    /// the same platform: its row and its bytes in one commit.
    pub async fn put_bundle(&self, row: &BundleRow, bytes: &[u8], now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        for table in ["release_chunks", "release_bundles"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE release_id = $1 AND target = $2"))
                .bind(row.release_id)
                .bind(&row.target)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO release_bundles (release_id, target, name, size_bytes, sha256, signature)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row.release_id)
        .bind(&row.target)
        .bind(&row.name)
        .bind(row.size_bytes)
        .bind(&row.sha256)
        .bind(&row.signature)
        .execute(&mut *tx)
        .await?;
        for (seq, chunk) in (0_i64..).zip(bytes.chunks(CHUNK_BYTES)) {
            sqlx::query("INSERT INTO release_chunks (release_id, target, seq, bytes) VALUES ($1, $2, $3, $4)")
                .bind(row.release_id)
                .bind(&row.target)
                .bind(seq)
                .bind(chunk)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx, &[], now).await
    }

    /// Changes a release's share, or withdraws it (`withdraw`), with the
    /// request's audit row.
    pub async fn stage_release(&self, release_id: i64, share: Option<u8>, withdraw: bool, now: i64) -> StoreResult<()> {
        let mut tx = self.begin_write().await?;
        if let Some(share) = share {
            sqlx::query("UPDATE releases SET share = $2 WHERE id = $1")
                .bind(release_id)
                .bind(i64::from(share))
                .execute(&mut *tx)
                .await?;
        }
        if withdraw {
            sqlx::query("UPDATE releases SET withdrawn_at = $2 WHERE id = $1 AND withdrawn_at IS NULL")
                .bind(release_id)
                .bind(now)
                .execute(&mut *tx)
                .await?;
        }
        self.commit(tx, &[], now).await
    }

    /// The releases not withdrawn that have a bundle for `target`, with it:
    /// one query, as every desktop's check runs it.
    pub async fn offered_releases(&self, target: &str) -> StoreResult<Vec<(ReleaseRow, BundleRow)>> {
        type Joined = (
            i64,
            String,
            String,
            String,
            i64,
            i64,
            Option<i64>,
            String,
            String,
            i64,
            String,
            String,
        );
        let rows: Vec<Joined> = sqlx::query_as(
            "SELECT r.id, r.version, r.notes_it, r.notes_en, r.share, r.published_at, r.withdrawn_at,
                    b.target, b.name, b.size_bytes, b.sha256, b.signature
             FROM releases r JOIN release_bundles b ON b.release_id = r.id
             WHERE r.withdrawn_at IS NULL AND b.target = $1",
        )
        .bind(target)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    version,
                    notes_it,
                    notes_en,
                    share,
                    published_at,
                    withdrawn_at,
                    target,
                    name,
                    size_bytes,
                    sha256,
                    signature,
                )| {
                    let release = ReleaseRow {
                        id,
                        version,
                        notes_it,
                        notes_en,
                        share,
                        published_at,
                        withdrawn_at,
                    };
                    let bundle = BundleRow {
                        release_id: id,
                        target,
                        name,
                        size_bytes,
                        sha256,
                        signature,
                    };
                    (release, bundle)
                },
            )
            .collect())
    }

    pub async fn bundle(&self, release_id: i64, target: &str) -> StoreResult<Option<BundleRow>> {
        Ok(
            sqlx::query_as(&format!("{BUNDLE_SELECT} WHERE release_id = $1 AND target = $2"))
                .bind(release_id)
                .bind(target)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Chunk `seq` of a bundle (0 first); None past its end.
    pub async fn bundle_chunk(&self, release_id: i64, target: &str, seq: i64) -> StoreResult<Option<Vec<u8>>> {
        Ok(
            sqlx::query_scalar("SELECT bytes FROM release_chunks WHERE release_id = $1 AND target = $2 AND seq = $3")
                .bind(release_id)
                .bind(target)
                .bind(seq)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The version an installation runs, as it last said.
    pub async fn seen_installation(&self, id: &str, target: &str, version: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO installations (id, target, version, seen_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (id) DO UPDATE SET target = excluded.target, version = excluded.version, seen_at = excluded.seen_at",
        )
        .bind(id)
        .bind(target)
        .bind(version)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// How many installations run each version.
    pub async fn installations_by_version(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT version, COUNT(*) FROM installations GROUP BY version")
                .fetch_all(&self.pool)
                .await?,
        )
    }
}
