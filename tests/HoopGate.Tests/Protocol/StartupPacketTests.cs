using System.Buffers;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;

namespace HoopGate.Tests.Protocol;

/// <summary>Telling startup-phase packets apart by the Int32 after their length.</summary>
public sealed class StartupPacketTests
{
    [Theory]
    [InlineData(196608, StartupPacketKind.StartupMessage)]
    [InlineData(196610, StartupPacketKind.StartupMessage)]
    [InlineData(80877103, StartupPacketKind.SSLRequest)]
    [InlineData(80877104, StartupPacketKind.GSSENCRequest)]
    [InlineData(80877102, StartupPacketKind.CancelRequest)]
    [InlineData(131072, StartupPacketKind.UnsupportedProtocolVersion)]
    [InlineData(262144, StartupPacketKind.UnsupportedProtocolVersion)]
    [InlineData(80877105, StartupPacketKind.UnsupportedProtocolVersion)]
    [InlineData(0, StartupPacketKind.UnsupportedProtocolVersion)]
    [InlineData(-1, StartupPacketKind.UnsupportedProtocolVersion)]
    public void Kind_follows_the_code_after_the_length(int code, StartupPacketKind expected)
    {
        byte[] wire = code is 80877103 or 80877104
            ? [.. Wire.BigEndian(8), .. Wire.BigEndian(code)]
            : [.. Wire.BigEndian(16), .. Wire.BigEndian(code), 0, 0, 0, 0, 0, 0, 0, 0];
        var buffer = new ReadOnlySequence<byte>(wire);
        Assert.True(PgFraming.TryReadStartupPacket(ref buffer, 10_000, out ReadOnlySequence<byte> packet));

        Assert.Equal(expected, StartupPacket.GetKind(packet));
    }

    [Fact]
    public void Protocol_version_splits_into_major_and_minor()
    {
        Assert.Equal(3, StartupPacket.MajorVersion(196610));
        Assert.Equal(2, StartupPacket.MinorVersion(196610));
        Assert.Equal(1234, StartupPacket.MajorVersion(StartupRequestCode.SslRequest));
        Assert.Equal(5679, StartupPacket.MinorVersion(StartupRequestCode.SslRequest));
        Assert.Equal(65535, StartupPacket.MajorVersion(-1));
    }

    [Theory]
    [InlineData(80877103)]
    [InlineData(80877104)]
    public void Encryption_request_with_a_body_is_a_protocol_violation(int code)
    {
        var packet = new ReadOnlySequence<byte>([.. Wire.BigEndian(code), 0]);

        PgProtocolException e = Assert.Throws<PgProtocolException>(() => StartupPacket.GetKind(packet));
        Assert.Equal("08P01", e.SqlState);
    }

    [Fact]
    public void StartupMessage_for_protocol_3_2_keeps_its_minor_version()
    {
        var original = new StartupMessage(196610, [new("user", "bob"), new("_pq_.test", "on")]);

        ReadOnlySequence<byte> packet = Wire.WriteAndFrameStartup(original.WriteTo);
        StartupMessage read = StartupMessage.Read(packet);

        Assert.Equal(StartupPacketKind.StartupMessage, StartupPacket.GetKind(packet));
        Assert.Equal(2, StartupPacket.MinorVersion(read.ProtocolVersion));
        Assert.Equal("on", read["_pq_.test"]);
    }
}
