namespace Vigil.Portal.Data;

/// <summary>
/// The schema, one migration per version. Written once for both databases: {id} {bool} {true}
/// {false} {blob} stand for what each spells differently. A migration, once released, is never
/// edited: a change is a new version.
/// </summary>
internal static class Schema
{
    public static readonly (int Version, string Name, string Sql)[] Migrations =
    [
        (1, "accounts, cameras, devices, streamers, relays, settings", """
            CREATE TABLE users (
                id {id},
                login TEXT NOT NULL UNIQUE,
                email TEXT NOT NULL DEFAULT '',
                password_hash TEXT,
                role TEXT NOT NULL CHECK (role IN ('admin', 'operator', 'user')),
                is_active {bool} NOT NULL DEFAULT {true},
                note TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            );
            CREATE INDEX sessions_user ON sessions(user_id);
            CREATE TABLE api_keys (
                id {id},
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                name TEXT NOT NULL,
                key_hash TEXT NOT NULL UNIQUE,
                prefix TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT
            );
            CREATE TABLE groups (
                id {id},
                name TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL DEFAULT ''
            );
            CREATE TABLE group_members (
                group_id BIGINT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                can_dvr {bool} NOT NULL DEFAULT {false},
                can_ptz {bool} NOT NULL DEFAULT {false},
                can_manage {bool} NOT NULL DEFAULT {false},
                PRIMARY KEY (group_id, user_id)
            );
            CREATE INDEX group_members_user ON group_members(user_id);
            CREATE TABLE streamers (
                id {id},
                name TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL CHECK (kind IN ('flussonic', 'mediamtx', 'nginx-rtmp', 'generic')),
                api_url TEXT NOT NULL DEFAULT '',
                public_url TEXT NOT NULL,
                ingest_url TEXT NOT NULL,
                capacity INTEGER NOT NULL DEFAULT 100,
                health TEXT NOT NULL DEFAULT 'unknown',
                health_at BIGINT,
                hook_key_hash TEXT NOT NULL
            );
            CREATE TABLE cameras (
                id {id},
                name TEXT NOT NULL UNIQUE,
                title TEXT NOT NULL DEFAULT '',
                stream_url TEXT NOT NULL DEFAULT '',
                substream_url TEXT NOT NULL DEFAULT '',
                dvr_depth INTEGER NOT NULL DEFAULT 0,
                enabled {bool} NOT NULL DEFAULT {true},
                access TEXT NOT NULL DEFAULT 'private' CHECK (access IN ('private', 'authorized', 'public')),
                group_id BIGINT REFERENCES groups(id) ON DELETE SET NULL,
                owner_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
                agent_serial TEXT NOT NULL DEFAULT '',
                coordinates TEXT NOT NULL DEFAULT '',
                postal_address TEXT NOT NULL DEFAULT '',
                comment TEXT NOT NULL DEFAULT '',
                streamer_id BIGINT REFERENCES streamers(id) ON DELETE SET NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX cameras_group ON cameras(group_id);
            CREATE INDEX cameras_owner ON cameras(owner_id);
            CREATE INDEX cameras_streamer ON cameras(streamer_id);
            CREATE TABLE devices (
                id TEXT PRIMARY KEY,
                public_key TEXT NOT NULL,
                fingerprint TEXT NOT NULL,
                serial TEXT NOT NULL DEFAULT '',
                model TEXT NOT NULL DEFAULT '',
                firmware TEXT NOT NULL DEFAULT '',
                agent_version TEXT NOT NULL DEFAULT '',
                state TEXT NOT NULL CHECK (state IN ('pending', 'approved', 'rejected', 'revoked')),
                camera_id BIGINT REFERENCES cameras(id) ON DELETE SET NULL,
                first_seen BIGINT NOT NULL,
                last_seen BIGINT NOT NULL,
                address TEXT NOT NULL DEFAULT '',
                relay_node TEXT,
                connected {bool} NOT NULL DEFAULT {false},
                publish_generation INTEGER NOT NULL DEFAULT 0,
                claimed_by BIGINT REFERENCES users(id) ON DELETE SET NULL
            );
            CREATE INDEX devices_serial ON devices(serial);
            CREATE INDEX devices_camera ON devices(camera_id);
            CREATE TABLE stickers (
                serial TEXT PRIMARY KEY,
                pin_hash TEXT NOT NULL,
                created_at BIGINT NOT NULL
            );
            CREATE TABLE relay_nodes (
                node_id TEXT PRIMARY KEY,
                endpoints TEXT NOT NULL DEFAULT '',
                public_key TEXT NOT NULL DEFAULT '',
                api_url TEXT NOT NULL DEFAULT '',
                api_token TEXT NOT NULL DEFAULT '',
                portal_token_hash TEXT NOT NULL,
                last_heartbeat BIGINT,
                sessions INTEGER NOT NULL DEFAULT 0
            );
            CREATE TABLE settings (
                key TEXT PRIMARY KEY,
                value TEXT NOT NULL
            );
            """),
        (2, "favorite cameras of each user", """
            CREATE TABLE favorites (
                user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
                camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (user_id, camera_id)
            );
            """),
        (3, "the key a sticker is tied to", """
            ALTER TABLE stickers ADD COLUMN fingerprint TEXT NOT NULL DEFAULT '';
            """),
        (4, "what a device's agent says of its media: its camera's video codec and why it refused an assignment", """
            ALTER TABLE devices ADD COLUMN video_codec TEXT;
            ALTER TABLE devices ADD COLUMN media_error TEXT;
            """),
        (5, "PTZ audit log", """
            CREATE TABLE ptz_audit (
                id {id},
                camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
                user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
                login TEXT NOT NULL,
                at BIGINT NOT NULL,
                action TEXT NOT NULL,
                detail TEXT NOT NULL DEFAULT ''
            );
            CREATE INDEX ptz_audit_camera ON ptz_audit(camera_id, at);
            """),
        (6, "camera events and the leases of their subscriptions", """
            CREATE TABLE camera_events (
                id {id},
                camera_id BIGINT NOT NULL REFERENCES cameras(id) ON DELETE CASCADE,
                at BIGINT NOT NULL,
                received_at BIGINT NOT NULL,
                kind TEXT NOT NULL CHECK (kind IN ('motion', 'tamper', 'input')),
                topic TEXT NOT NULL,
                source TEXT NOT NULL DEFAULT '{}',
                data TEXT NOT NULL DEFAULT '{}'
            );
            CREATE INDEX camera_events_camera_at ON camera_events(camera_id, at);
            CREATE TABLE event_leases (
                camera_id BIGINT PRIMARY KEY REFERENCES cameras(id) ON DELETE CASCADE,
                holder TEXT NOT NULL,
                until BIGINT NOT NULL
            );
            """),
        (7, "signed agent releases, staged rollouts, and each device's RID and last update", """
            CREATE TABLE agent_releases (
                id {id},
                name TEXT NOT NULL UNIQUE,
                version TEXT NOT NULL,
                rid TEXT NOT NULL,
                size BIGINT NOT NULL,
                sha256 TEXT NOT NULL,
                uploaded_by TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                UNIQUE (rid, version)
            );
            CREATE TABLE agent_release_chunks (
                release_id BIGINT NOT NULL REFERENCES agent_releases(id) ON DELETE CASCADE,
                seq INTEGER NOT NULL,
                data {blob} NOT NULL,
                PRIMARY KEY (release_id, seq)
            );
            CREATE TABLE rollouts (
                id {id},
                release_id BIGINT NOT NULL REFERENCES agent_releases(id),
                target TEXT NOT NULL,
                waves TEXT NOT NULL,
                failure_percent INTEGER NOT NULL,
                downgrade {bool} NOT NULL DEFAULT {false},
                come_back_seconds INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('running', 'paused', 'halted', 'cancelled', 'done')),
                reason TEXT,
                current_wave INTEGER NOT NULL DEFAULT 0,
                wave_started_at BIGINT,
                created_by TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            );
            CREATE INDEX rollouts_state ON rollouts(state);
            CREATE TABLE rollout_devices (
                rollout_id BIGINT NOT NULL REFERENCES rollouts(id) ON DELETE CASCADE,
                device_id TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
                wave INTEGER NOT NULL,
                state TEXT NOT NULL CHECK (state IN ('waiting', 'sending', 'applied', 'updated', 'failed', 'skipped')),
                reason TEXT,
                from_version TEXT NOT NULL DEFAULT '',
                relay_node TEXT,
                attempts INTEGER NOT NULL DEFAULT 0,
                sent BIGINT NOT NULL DEFAULT 0,
                started_at BIGINT,
                ended_at BIGINT,
                PRIMARY KEY (rollout_id, device_id)
            );
            CREATE INDEX rollout_devices_device ON rollout_devices(device_id);
            CREATE TABLE rollout_leases (
                name TEXT PRIMARY KEY,
                holder TEXT NOT NULL,
                until BIGINT NOT NULL
            );
            ALTER TABLE devices ADD COLUMN rid TEXT NOT NULL DEFAULT '';
            ALTER TABLE devices ADD COLUMN hello_at BIGINT;
            ALTER TABLE devices ADD COLUMN update_state TEXT;
            ALTER TABLE devices ADD COLUMN update_version TEXT;
            ALTER TABLE devices ADD COLUMN update_reason TEXT;
            ALTER TABLE devices ADD COLUMN update_at BIGINT;
            """),
    ];

    public static string For(Dialect dialect, string sql) => dialect switch
    {
        Dialect.Postgres => sql
            .Replace("{id}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY", StringComparison.Ordinal)
            .Replace("{bool}", "BOOLEAN", StringComparison.Ordinal)
            .Replace("{true}", "TRUE", StringComparison.Ordinal)
            .Replace("{false}", "FALSE", StringComparison.Ordinal)
            .Replace("{blob}", "BYTEA", StringComparison.Ordinal),
        _ => sql
            .Replace("{id}", "INTEGER PRIMARY KEY AUTOINCREMENT", StringComparison.Ordinal)
            .Replace("{bool}", "INTEGER", StringComparison.Ordinal)
            .Replace("{true}", "1", StringComparison.Ordinal)
            .Replace("{false}", "0", StringComparison.Ordinal)
            .Replace("{blob}", "BLOB", StringComparison.Ordinal),
    };
}
