namespace OrleansGate.Grains.Statements;

/// <summary>
/// What a statement does, as PostgreSQL's grammar sees it. Policies match on these names
/// (<c>"Kinds": ["CopyTo", "Ddl"]</c>), so they are part of the configuration contract:
/// add new ones, never rename.
/// </summary>
public enum StatementKind
{
    /// <summary>SQL the PostgreSQL 15 grammar rejects, or a tree too deep to inspect. Refused by default.</summary>
    Unparseable,
    Select,
    Insert,
    Update,
    Delete,
    Merge,
    /// <summary>COPY … TO: to the client (STDOUT), a server file or a PROGRAM (see <see cref="CopyEndpoint"/>).</summary>
    CopyTo,
    /// <summary>COPY … FROM: from the client (STDIN), a server file or a PROGRAM; it is <see cref="Insert"/> too.</summary>
    CopyFrom,
    /// <summary>
    /// Every utility statement that changes schema, roles, privileges, role or database settings,
    /// comments, security labels, extensions, publications or subscriptions: CREATE / ALTER / DROP
    /// of anything, COMMENT, SECURITY LABEL, GRANT and REVOKE, role DDL, ALTER DEFAULT PRIVILEGES,
    /// REASSIGN / DROP OWNED, CREATE TABLE AS, SELECT INTO.
    /// </summary>
    Ddl,
    /// <summary>GRANT, REVOKE and role DDL (CREATE / ALTER / DROP ROLE, GRANT role, ALTER DEFAULT PRIVILEGES); each is <see cref="Ddl"/> too.</summary>
    Grant,
    Set,
    Reset,
    /// <summary>BEGIN, COMMIT, ROLLBACK, SAVEPOINT, PREPARE TRANSACTION and friends.</summary>
    Transaction,
    Do,
    Call,
    /// <summary>Plain EXPLAIN. EXPLAIN ANALYZE runs its statement, so it takes that statement's kind.</summary>
    Explain,
    Prepare,
    Execute,
    Deallocate,
    Declare,
    Fetch,
    Close,
    /// <summary>LISTEN and UNLISTEN.</summary>
    Listen,
    Notify,
    Vacuum,
    Analyze,
    Lock,
    Truncate,
    /// <summary>Anything else the grammar accepts (SHOW, DISCARD, CHECKPOINT, LOAD, …).</summary>
    Other,
    /// <summary>Not SQL at all: the protocol's FunctionCall message ('F'), which calls a function by OID.</summary>
    FunctionCall,
    /// <summary>
    /// Anything not proven read-only: a statement that changes data, schema, roles, privileges,
    /// settings of the server or other sessions, or that calls a function not proven read-only (a
    /// function is read-only when it is on the gateway's list of known read-only functions, or the
    /// catalog says it is immutable or stable and it is not on the list of known side effects).
    /// <c>{ "Kinds": ["Write"], "Action": "Block" }</c> is how a policy says read-only.
    /// </summary>
    Write,
}

/// <summary>Where a COPY reads from or writes to.</summary>
public enum CopyEndpoint
{
    /// <summary>Not a COPY.</summary>
    None,
    /// <summary>STDIN / STDOUT: the data travels over the client's connection, through the gateway.</summary>
    Client,
    /// <summary>A file on the database server.</summary>
    ServerFile,
    /// <summary>A program the database server runs.</summary>
    Program,
}
