using System.Text.Json;
using HoopGate.Audit;

namespace HoopGate.Tests.Audit;

/// <summary>What a session_start record says about who connected.</summary>
public sealed class SessionStartEventTests
{
    [Fact]
    public void The_record_names_the_tokens_issuer_beside_the_subject_since_two_providers_may_share_subjects()
    {
        using JsonDocument data = Write(new SessionStartEvent { Subject = "248289761001", Issuer = "https://idp.example", Database = "clinic" });

        Assert.Equal("248289761001", data.RootElement.GetProperty("subject").GetString());
        Assert.Equal("https://idp.example", data.RootElement.GetProperty("issuer").GetString());
    }

    [Fact]
    public void A_session_without_an_issuer_says_so_with_null()
    {
        using JsonDocument data = Write(new SessionStartEvent { Subject = "alice", Database = "clinic" });

        Assert.Equal(JsonValueKind.Null, data.RootElement.GetProperty("issuer").ValueKind);
    }

    private static JsonDocument Write(SessionStartEvent record)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            record.WriteData(writer);
            writer.WriteEndObject();
        }

        return JsonDocument.Parse(stream.ToArray());
    }
}
