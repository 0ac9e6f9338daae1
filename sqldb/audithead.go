package sqldb

// AuditHead reads the audit chain's head: the last entry's seq and hash.
func (tx *Tx) AuditHead() (seq int64, hash string, err error) {
	err = tx.row(`SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, err
}
