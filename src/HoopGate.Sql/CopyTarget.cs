namespace HoopGate.Sql;

/// <summary>Where a COPY reads or writes its data.</summary>
public enum CopyTarget
{
    /// <summary>STDIN or STDOUT: the data travels over the connection, through the gateway.</summary>
    Client,

    /// <summary>A file on the database server, read or written by the server process.</summary>
    File,

    /// <summary>A program the database server runs (COPY … PROGRAM).</summary>
    Program,
}
