using JasperFx;
using JasperFx.Events;
using Marten;
using OrleansGate.Grains.Audit.Events;
using Weasel.Core;

namespace OrleansGate.Grains.Audit;

/// <summary>The Marten document store over the audit database, with the event types registered.</summary>
public static class AuditStore
{
    public static readonly IReadOnlyList<Type> EventTypes =
        [
            typeof(SessionStarted), typeof(StatementDecided), typeof(StatementReceived), typeof(DecisionMade), typeof(StatementCompleted), typeof(SessionEnded),
            typeof(ApprovalRequested), typeof(ApprovalGranted), typeof(ApprovalDenied), typeof(ApprovalExpired), typeof(ApprovalWithdrawn),
            typeof(LoginRefused), typeof(PolicyVersionRecorded),
        ];

    /// <param name="options">Where the store is.</param>
    /// <param name="runsProjections">
    /// True in the process that builds the async projections (the replay tool), which registers
    /// them and creates their tables when it first uses them. The silo only appends: without them
    /// registered it neither creates their tables nor has Marten print, at every start, that they
    /// will not run without its daemon (see <see cref="Projections.AuditProjections"/>).
    /// </param>
    public static DocumentStore Create(AuditStoreOptions options, bool runsProjections = false) => DocumentStore.For(store =>
    {
        ConfigureEvents(store, options.ConnectionString, options.Schema);
        if (runsProjections)
        {
            Projections.AuditProjections.Register(store);
            store.Projections.AsyncMode = JasperFx.Events.Daemon.DaemonMode.Solo;
        }
    });

    /// <summary>The store's connection, schema and event settings, without projections (tools that measure the store add their own).</summary>
    public static void ConfigureEvents(StoreOptions store, string connectionString, string schema)
    {
        store.Connection(connectionString);
        store.DatabaseSchemaName = schema;
        store.Events.DatabaseSchemaName = schema;
        store.Events.StreamIdentity = StreamIdentity.AsString;
        // The silo appends through MultiStreamAppend, not Marten's append; quick mode is what Marten
        // itself uses for anything else appended through it (tests, tools): no read of the stream first.
        store.Events.AppendMode = EventAppendMode.Quick;
        UseSerializer(store);
        store.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        foreach (var type in EventTypes)
        {
            store.Events.AddEventType(type);
        }
    }

    /// <summary>How Marten reads and writes the events' JSON.</summary>
    private static void UseSerializer(StoreOptions store) => store.UseSystemTextJsonForSerialization(EnumStorage.AsString);

    /// <summary>The serializer Marten reads events with, for checks that must read them as the tools will (verify).</summary>
    public static Marten.ISerializer EventSerializer()
    {
        var store = new StoreOptions();
        UseSerializer(store);
        return store.Serializer();
    }
}
