using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>All end-to-end tests share one PostgreSQL cluster and one gateway.</summary>
[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
