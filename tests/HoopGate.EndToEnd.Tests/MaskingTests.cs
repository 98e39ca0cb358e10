using System.Net;
using HoopGate.Protocol.Backend;
using HoopGate.Protocol.Framing;
using HoopGate.Protocol.Frontend;
using HoopGate.Testing;
using Npgsql;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// Inline masking against the sample clinic data: psql (simple protocol, text), Npgsql (extended protocol, binary,
/// prepared and reused) and a raw client, each behind a tap that keeps every byte the client received, so that "no raw
/// protected value reached the client" is checked on the wire, not only in parsed values.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MaskingTests(GatewayFixture fixture) : IAsyncLifetime
{
    private const string Analyst = "ann";
    private const string Clinician = "carl";
    private const string Writer = "wes";
    private const string Password = "hgsecret-masking-password";
    private const string Clinic = PostgresCluster.ClinicDatabase;

    private const string Policy = """
        version: 1
        everyone:
          statements: [select, show, set, transaction, utility]
          read: [pg_catalog.*, information_schema.*]
        groups:
          analysts:
            statements: [copy]
            read: [clinic.*]
          clinicians:
            read: [clinic.*]
            unmask: [clinic.patients.*]
          writers:
            statements: [insert]
            read: [clinic.*]
            write: [clinic.*]
        masking:
          refusePredicates: true
          columns:
            clinic.patients.ssn: ssn
            clinic.patients.dob: dob
            clinic.patients.email: email
            clinic.patients.phone: phone
          classes:
            ssn: { method: partial, keep: 4 }
            dob: year
            email: email
            phone: { method: partial, keep: 4 }
            mrn: pseudonym
            name: pseudonym
          detectors: [ssn, email, phone, card]
        """;

    private GatewayInstance _gateway = null!;
    private ByteTap _tap = null!;
    private List<Patient> _patients = null!;

    public async Task InitializeAsync()
    {
        _gateway = await GatewayInstance.StartAsync(fixture.Cluster, new Dictionary<string, string?>
        {
            ["HoopGate:Policy:Path"] = TestPolicy.Write(Policy),
            ["HoopGate:Masking:PseudonymKey"] = "masking-tests-pseudonym-key-0123456789abcdef",
            ["HoopGate:Authentication:StaticUsers:1:Name"] = Analyst,
            ["HoopGate:Authentication:StaticUsers:1:Password"] = Password,
            ["HoopGate:Authentication:StaticUsers:1:Groups:0"] = "analysts",
            ["HoopGate:Authentication:StaticUsers:2:Name"] = Clinician,
            ["HoopGate:Authentication:StaticUsers:2:Password"] = Password,
            ["HoopGate:Authentication:StaticUsers:2:Groups:0"] = "clinicians",
            ["HoopGate:Authentication:StaticUsers:3:Name"] = Writer,
            ["HoopGate:Authentication:StaticUsers:3:Password"] = Password,
            ["HoopGate:Authentication:StaticUsers:3:Groups:0"] = "writers",
        }).Within();
        _tap = ByteTap.Start(_gateway.EndPoint);
        _patients = await ReadPatientsDirectlyAsync();
    }

    public async Task DisposeAsync()
    {
        await _tap.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task Psql_as_an_analyst_receives_every_protected_patient_column_masked_and_no_raw_value_on_the_wire()
    {
        ProcessRunner.Result result = await PsqlAsync(Analyst, "SELECT * FROM clinic.patients ORDER BY id").Within();

        Assert.Equal(0, result.ExitCode);
        string[] first = result.StandardOutput.Split('\n')[0].Split('|');
        Patient one = _patients[0];
        Assert.Equal(one.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), first[0]);
        Assert.StartsWith("psn_", first[1], StringComparison.Ordinal);
        Assert.StartsWith("psn_", first[2], StringComparison.Ordinal);
        Assert.Equal("***-**-" + one.Ssn[^4..], first[3]);
        Assert.Equal(one.Dob[..4] + "-01-01", first[4]);
        Assert.Equal("****@example.test", first[5]);
        Assert.Equal("[REDACTED]", first[7]);
        Assert.Equal(one.Diagnosis, first[8]);
        AssertNoRawValue();
    }

    [Fact]
    public async Task Npgsql_prepared_and_reused_in_binary_format_masks_every_execution_and_keeps_dates_valid()
    {
        await using NpgsqlConnection connection = await OpenAsync(Analyst);
        await using var command = new NpgsqlCommand("SELECT id, ssn, dob, email, diagnosis FROM clinic.patients WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        await command.PrepareAsync();
        foreach (Patient patient in _patients.Take(5))
        {
            command.Parameters[0].Value = patient.Id;
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync());
            Assert.Equal(patient.Id, reader.GetInt64(0));
            Assert.Equal("***-**-" + patient.Ssn[^4..], reader.GetString(1));
            DateTime dob = reader.GetDateTime(2);
            Assert.Equal((int.Parse(patient.Dob[..4], System.Globalization.CultureInfo.InvariantCulture), 1, 1), (dob.Year, dob.Month, dob.Day));
            Assert.Equal("****@example.test", reader.GetString(3));
            Assert.Equal(patient.Diagnosis, reader.GetString(4));
        }

        AssertNoRawValue();
    }

    [Fact]
    public async Task A_client_that_executes_without_describing_still_gets_masked_rows_in_the_format_it_asked_for()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        FormatCode[] text = [FormatCode.Text];

        // Parse and Bind/Execute twice with no Describe at all, as a driver with cached descriptions does.
        await client.SendAsync(w =>
        {
            new Parse("cached", "SELECT ssn, email, id FROM clinic.patients WHERE id = $1", [20]).WriteTo(w);
            foreach (Patient patient in _patients.Take(2))
            {
                new Bind("", "cached", text, [System.Text.Encoding.ASCII.GetBytes(patient.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))], text).WriteTo(w);
                new Execute("", 0).WriteTo(w);
            }

            Sync.Write(w);
        }).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Empty(result.Errors);
        Assert.Equal(2, result.Rows.Count);
        Assert.Equal("***-**-" + _patients[0].Ssn[^4..], result.Rows[0][0]);
        Assert.Equal("****@example.test", result.Rows[1][1]);
        Assert.Equal(_patients[1].Id.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Rows[1][2]);
        AssertNoRawValue();
    }

    [Fact]
    public async Task A_protocol_statement_name_reused_by_sql_prepare_does_not_keep_its_old_plan()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        // "s" is described as clean, then replaced behind the protocol's back by SQL DEALLOCATE and PREPARE.
        await client.SendAsync(w =>
        {
            new Parse("s", "SELECT 'clean'::text, 'clean'::text", []).WriteTo(w);
            new Describe(StatementOrPortal.Statement, "s").WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();
        await client.QueryAsync("DEALLOCATE s").Within();
        await client.QueryAsync("PREPARE s AS SELECT ssn, email FROM clinic.patients ORDER BY id LIMIT 3").Within();
        await AssertBoundRowsMaskedAsync(client, "s", 3);
    }

    [Fact]
    public async Task A_prepared_name_redefined_later_in_the_same_string_does_not_unmask_the_execute_before_it()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        RawClient.QueryResult leaked = await client.QueryAsync(
            "PREPARE q AS SELECT ssn || '' AS x, email || '' AS y FROM clinic.patients ORDER BY id LIMIT 5; EXECUTE q; "
            + "DEALLOCATE q; PREPARE q AS SELECT 'a'::text AS x, 'b'::text AS y").Within();
        RawClient.QueryResult clean = await client.QueryAsync("EXECUTE q").Within();

        Assert.Empty(leaked.Errors);
        Assert.Equal(5, leaked.Rows.Count);
        Assert.Equal("a b", string.Join(" ", clean.Rows.Single()));
        AssertNoRawValue();
    }

    [Fact]
    public async Task A_cursor_redeclared_after_a_fetch_in_the_same_string_does_not_unmask_the_fetch()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        await client.QueryAsync("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT ssn || '' AS x FROM clinic.patients ORDER BY id LIMIT 5; COMMIT").Within();

        RawClient.QueryResult fetched = await client.QueryAsync("FETCH ALL FROM c; CLOSE c; DECLARE c CURSOR WITH HOLD FOR SELECT 'a'::text AS x").Within();

        Assert.Empty(fetched.Errors);
        Assert.Equal(5, fetched.Rows.Count);
        AssertNoRawValue();
    }

    [Fact]
    public async Task A_statement_name_whose_first_parse_failed_on_the_server_is_not_planned_by_that_parse()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        FormatCode[] text = [FormatCode.Text];
        await client.SendAsync(w =>
        {
            new Parse("s1", "EXPLAIN SELECT nosuchcolumn FROM clinic.visits", []).WriteTo(w);
            Sync.Write(w);
        }).Within();
        Assert.NotEmpty((await client.ReadResultAsync().Within()).Errors);

        await client.SendAsync(w =>
        {
            new Parse("s1", "SELECT ssn, email, ssn || '' FROM clinic.patients ORDER BY id LIMIT 3", []).WriteTo(w);
            new Bind("", "s1", [], [], text).WriteTo(w);
            new Execute("", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Empty(result.Errors);
        Assert.Equal(3, result.Rows.Count);
        AssertNoRawValue();
    }

    [Fact]
    public async Task A_fetch_described_before_its_cursor_existed_is_described_again_when_it_runs()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        await client.SendAsync(w =>
        {
            new Parse("f", "FETCH ALL FROM c", []).WriteTo(w);
            new Describe(StatementOrPortal.Statement, "f").WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();
        await client.QueryAsync("BEGIN; DECLARE c CURSOR WITH HOLD FOR SELECT ssn || '' AS x, email FROM clinic.patients ORDER BY id LIMIT 5; COMMIT").Within();

        await AssertBoundRowsMaskedAsync(client, "f", 5);
    }

    [Fact]
    public async Task The_description_of_a_name_the_gateway_does_not_follow_never_plans_the_rows_of_an_execute()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        FormatCode[] text = [FormatCode.Text];
        await client.QueryAsync("PREPARE q AS SELECT id FROM clinic.visits").Within();

        await client.SendAsync(w =>
        {
            new Parse("", "SELECT ssn || '' AS x, email FROM clinic.patients ORDER BY id LIMIT 3", []).WriteTo(w);
            new Bind("", "", [], [], text).WriteTo(w);
            new Describe(StatementOrPortal.Statement, "q").WriteTo(w);
            new Execute("", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Empty(result.Errors);
        Assert.Equal(3, result.Rows.Count);
        AssertNoRawValue();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_parse_the_server_skipped_after_an_error_never_plans_the_rows_of_the_statement_it_did_not_replace(bool pipelined)
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        FormatCode[] text = [FormatCode.Text];
        await client.SendAsync(w =>
        {
            new Parse("", "SELECT ssn || '' AS x, email || '' AS y FROM clinic.patients ORDER BY id LIMIT 3", []).WriteTo(w);
            Sync.Write(w);
        }).Within();
        await client.ReadResultAsync().Within();

        Action<System.Buffers.IBufferWriter<byte>> skipped = w =>
        {
            new Execute("nope", 0).WriteTo(w);
            new Parse("", "SELECT 'a'::text AS x, 'b'::text AS y", []).WriteTo(w);
            Sync.Write(w);
        };
        Action<System.Buffers.IBufferWriter<byte>> run = w =>
        {
            new Bind("", "", [], [], text).WriteTo(w);
            new Execute("", 0).WriteTo(w);
            Sync.Write(w);
        };
        if (pipelined)
        {
            await client.SendAsync(w =>
            {
                skipped(w);
                run(w);
            }).Within();
            await client.ReadResultAsync().Within();
        }
        else
        {
            await client.SendAsync(skipped).Within();
            await client.ReadResultAsync().Within();
            await client.SendAsync(run).Within();
        }

        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Equal(3, result.Rows.Count);
        AssertNoRawValue();
    }

    [Fact]
    public async Task A_statement_or_portal_name_longer_than_the_server_keeps_is_a_protocol_violation()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        await client.SendAsync(w =>
        {
            new Parse(new string('a', 64), "SELECT 1", []).WriteTo(w);
            Sync.Write(w);
        }).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Equal("08P01", Assert.Single(result.Errors).SqlState);
        Assert.True(result.Closed);
    }

    [Fact]
    public async Task Unmasked_columns_arrive_exactly_as_a_direct_connection_returns_them()
    {
        const string sql = "SELECT id, diagnosis, length(diagnosis), visit_count FROM clinic.patient_summary ORDER BY id";
        List<string> through = await RowsAsync(await OpenAsync(Analyst), sql);
        await using var direct = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = Clinic }.ConnectionString);
        await direct.OpenAsync();
        List<string> expected = await RowsAsync(direct, sql);

        Assert.Equal(PostgresCluster.ClinicPatients, through.Count);
        Assert.Equal(expected, through);
    }

    [Theory]
    [InlineData("SELECT upper(full_name), lower(ssn) FROM clinic.patients")]
    [InlineData("SELECT full_name || '' AS n, substr(ssn, 1, 11), ssn::varchar, COALESCE(email, phone) FROM clinic.patients")]
    [InlineData("SELECT CASE WHEN id > 0 THEN ssn END, format('%s', email) FROM clinic.patients")]
    [InlineData("SELECT p FROM clinic.patients p")]
    [InlineData("SELECT row_to_json(p), to_jsonb(p)::text FROM clinic.patients p")]
    [InlineData("SELECT json_agg(ssn)::text, array_agg(email)::text, string_agg(phone, ',') FROM clinic.patients")]
    [InlineData("SELECT ssn FROM clinic.patients UNION ALL SELECT email FROM clinic.patients")]
    [InlineData("WITH x AS (SELECT ssn AS s, email AS e FROM clinic.patients) SELECT upper(s), e || '' FROM x")]
    [InlineData("SELECT s FROM (SELECT ssn || '' AS s FROM clinic.patients) q")]
    [InlineData("SELECT (SELECT max(ssn) FROM clinic.patients), (SELECT string_agg(email, ';') FROM clinic.patients)")]
    [InlineData("SELECT * FROM (SELECT ssn, email, phone FROM clinic.patients) q")]
    [InlineData("SELECT s.full_name, p.ssn FROM clinic.patient_summary s JOIN clinic.patients p USING (id)")]
    [InlineData("SELECT p.row_to_json, p.to_jsonb ->> 'ssn', p.to_json FROM clinic.patients p")]
    [InlineData("SELECT s.to_jsonb -> 'most_common_vals', s.to_jsonb -> 'histogram_bounds' FROM pg_stats s WHERE schemaname = 'clinic' AND tablename = 'patients'")]
    public async Task Expressions_whole_rows_and_set_operations_over_protected_columns_are_masked(string sql)
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        RawClient.QueryResult result = await client.QueryAsync(sql).Within();

        Assert.Empty(result.Errors);
        Assert.NotEmpty(result.Rows);
        AssertNoRawValue();
    }

    [Fact]
    public async Task Whether_a_masked_expression_is_null_does_not_show()
    {
        // Were NULLs to pass, nine columns like this one would spell out every SSN in one statement.
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        RawClient.QueryResult result = await client.QueryAsync("SELECT id, nullif(substr(ssn, 1, 1), '9') FROM clinic.patients").Within();

        Assert.Empty(result.Errors);
        Assert.Equal(PostgresCluster.ClinicPatients, result.Rows.Count);
        Assert.All(result.Rows, row => Assert.Equal("[REDACTED]", row[1]));
    }

    [Fact]
    public async Task Aggregates_and_expressions_over_unprotected_columns_pass_unchanged()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        RawClient.QueryResult result = await client.QueryAsync(
            "SELECT count(*), max(id), upper(diagnosis) FROM clinic.patients GROUP BY diagnosis ORDER BY 3").Within();

        Assert.Empty(result.Errors);
        Assert.Equal(_patients.Select(p => p.Diagnosis).Distinct().Order(StringComparer.Ordinal).Select(d => d.ToUpperInvariant()), result.Rows.Select(r => r[2]));
        Assert.Equal(PostgresCluster.ClinicPatients, result.Rows.Sum(r => int.Parse(r[0]!, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("SELECT count(*) FROM clinic.patients WHERE ssn LIKE '900%'")]
    [InlineData("SELECT id FROM clinic.patients ORDER BY full_name LIMIT 1")]
    [InlineData("SELECT email, count(*) FROM clinic.patients GROUP BY email")]
    [InlineData("SELECT v.id FROM clinic.visits v JOIN clinic.patients p ON p.id = v.patient_id AND p.dob > '1990-01-01'")]
    [InlineData("SELECT id FROM clinic.patients p WHERE EXISTS (SELECT 1 FROM clinic.patients q WHERE q.phone = p.phone AND q.id <> p.id)")]
    public async Task Filtering_grouping_or_sorting_by_a_masked_column_is_refused_for_identities_that_see_it_masked(string sql)
    {
        await using RawClient analyst = await RawClient.ConnectAsync(_gateway.EndPoint, Analyst, Password, Clinic);
        await using RawClient clinician = await RawClient.ConnectAsync(_gateway.EndPoint, Clinician, Password, Clinic);

        RawClient.QueryResult refused = await analyst.QueryAsync(sql).Within();
        RawClient.QueryResult allowed = await clinician.QueryAsync(sql).Within();

        ErrorResponse error = Assert.Single(refused.Errors);
        Assert.Equal("42501", error.SqlState);
        Assert.StartsWith("permission denied by policy rule \"masked-predicate\"", error.Message, StringComparison.Ordinal);
        Assert.Empty(allowed.Errors);
    }

    [Fact]
    public async Task Copy_to_stdout_masks_protected_columns_in_text_and_csv_and_refuses_what_it_cannot_mask()
    {
        ProcessRunner.Result text = await PsqlAsync(Analyst, "COPY clinic.patients TO STDOUT").Within();
        ProcessRunner.Result csv = await PsqlAsync(Analyst, "COPY clinic.patients (id, ssn, email, diagnosis) TO STDOUT WITH (FORMAT csv, HEADER)").Within();
        ProcessRunner.Result clean = await PsqlAsync(Analyst, "COPY clinic.patients (id, diagnosis) TO STDOUT").Within();
        await using RawClient client = await RawClient.ConnectAsync(_gateway.EndPoint, Analyst, Password, Clinic);
        RawClient.QueryResult binary = await client.QueryAsync("COPY clinic.patients TO STDOUT WITH (FORMAT binary)").Within();
        RawClient.QueryResult query = await client.QueryAsync("COPY (SELECT upper(ssn) FROM clinic.patients) TO STDOUT WITH (FORMAT csv)").Within();
        RawClient.QueryResult cleanQuery = await client.QueryAsync("COPY (SELECT id, diagnosis FROM clinic.patients) TO STDOUT").Within();

        Assert.Equal(0, text.ExitCode);
        string[] lines = text.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(PostgresCluster.ClinicPatients, lines.Length);
        Patient one = _patients[0];
        string[] first = lines[0].Split('\t');
        Assert.Equal(9, first.Length);
        Assert.Equal("***-**-" + one.Ssn[^4..], first[3]);
        Assert.Equal(one.Dob[..4] + "-01-01", first[4]);
        Assert.Equal(["****@example.test", "[REDACTED]", one.Diagnosis], new[] { first[5], first[7], first[8] });

        Assert.Equal(0, csv.ExitCode);
        string[] csvLines = csv.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("id,ssn,email,diagnosis", csvLines[0]);
        Assert.Equal($"{one.Id},\"***-**-{one.Ssn[^4..]}\",\"****@example.test\",{one.Diagnosis}", csvLines[1]);

        Assert.Equal(0, clean.ExitCode);
        Assert.Equal(PostgresCluster.ClinicPatients, clean.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal("42501", Assert.Single(binary.Errors).SqlState);
        Assert.Contains("masked-copy", binary.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("42501", Assert.Single(query.Errors).SqlState);
        Assert.Equal("42501", Assert.Single(cleanQuery.Errors).SqlState);
        AssertNoRawValue();
    }

    [Fact]
    public async Task Errors_about_protected_values_do_not_carry_them()
    {
        await using RawClient analyst = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        await using RawClient writer = await RawClient.ConnectAsync(TapEndPoint, Writer, Password, Clinic);
        Patient one = _patients[0];

        RawClient.QueryResult cast = await analyst.QueryAsync("SELECT ssn::int FROM clinic.patients").Within();
        RawClient.QueryResult duplicate = await writer.QueryAsync(
            $"INSERT INTO clinic.patients (id, mrn, full_name, ssn, dob) VALUES (-1, 'MRN-X', 'X', '{one.Ssn}', '2000-01-01')").Within();

        Assert.Equal("22P02", Assert.Single(cast.Errors).SqlState);
        Assert.Equal("23505", Assert.Single(duplicate.Errors).SqlState);
        Assert.DoesNotContain(one.Ssn, duplicate.Errors[0].Detail ?? "", StringComparison.Ordinal);
        AssertNoRawValue();
    }

    [Fact]
    public async Task Rows_fetched_from_a_cursor_are_masked_like_the_query_that_declared_it()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        await client.QueryAsync("BEGIN; DECLARE c CURSOR FOR SELECT id, ssn, upper(email) FROM clinic.patients ORDER BY id").Within();
        RawClient.QueryResult fetched = await client.QueryAsync("FETCH 10 FROM c").Within();
        await client.QueryAsync("COMMIT").Within();

        Assert.Empty(fetched.Errors);
        Assert.Equal(10, fetched.Rows.Count);
        Assert.Equal("[REDACTED]", fetched.Rows[0][2]);
        AssertNoRawValue();
    }

    [Fact]
    public async Task Catalog_statistics_never_show_stored_values()
    {
        await using RawClient client = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);

        RawClient.QueryResult stats = await client.QueryAsync(
            "SELECT attname, most_common_vals::text, histogram_bounds::text FROM pg_stats WHERE schemaname = 'clinic' AND tablename = 'patients'").Within();

        Assert.Empty(stats.Errors);
        Assert.NotEmpty(stats.Rows);
        Assert.All(stats.Rows, row => Assert.Contains(row[1], new[] { null, "[REDACTED]" }));
        Assert.All(stats.Rows, row => Assert.Contains(row[2], new[] { null, "[REDACTED]" }));
        Assert.Contains(stats.Rows, row => row[0] == "diagnosis");
        AssertNoRawValue();
    }

    [Fact]
    public async Task Notifications_carrying_protected_values_are_refused_at_the_source_and_scrubbed_on_arrival()
    {
        await using RawClient analyst = await RawClient.ConnectAsync(TapEndPoint, Analyst, Password, Clinic);
        await using RawClient clinician = await RawClient.ConnectAsync(_gateway.EndPoint, Clinician, Password, Clinic);

        await analyst.QueryAsync("LISTEN leak").Within();
        RawClient.QueryResult refused = await analyst.QueryAsync("SELECT pg_notify('leak', ssn) FROM clinic.patients LIMIT 1").Within();

        // A clinician may see the values raw and send them; the analyst listening gets them through the detectors.
        RawClient.QueryResult sent = await clinician.QueryAsync("SELECT pg_notify('leak', 'ssn ' || ssn || ' mail ' || email) FROM clinic.patients ORDER BY id LIMIT 3").Within();
        await analyst.QueryAsync("SELECT 1").Within();

        Assert.Equal(MaskingSessionRule("masked-side-channel"), Assert.Single(refused.Errors).Message![..MaskingSessionRule("masked-side-channel").Length]);
        Assert.Empty(sent.Errors);
        Assert.True(_tap.Saw("[REDACTED:ssn]"), "the notifications should have reached the analyst scrubbed");
        AssertNoRawValue();
    }

    private static string MaskingSessionRule(string rule) => "permission denied by policy rule \"" + rule + "\"";

    [Fact]
    public async Task A_clinician_with_an_unmask_grant_receives_raw_values_and_the_audit_record_says_so()
    {
        await using NpgsqlConnection connection = await OpenAsync(Clinician);
        await using var command = new NpgsqlCommand("SELECT ssn, email AS unmask_probe FROM clinic.patients ORDER BY id LIMIT 1", connection);
        await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync())
        {
            Assert.True(await reader.ReadAsync());
            Assert.Equal(_patients[0].Ssn, reader.GetString(0));
            Assert.Equal(_patients[0].Email, reader.GetString(1));
        }

        // The wire scan every other test relies on does see a raw value when one is sent.
        Assert.True(_tap.Saw(_patients[0].Ssn));

        await using RawClient analyst = await RawClient.ConnectAsync(_gateway.EndPoint, Analyst, Password, Clinic);
        await analyst.QueryAsync("SELECT ssn AS mask_probe FROM clinic.patients LIMIT 1").Within();

        Guid instance = await _gateway.DrainAuditAsync();
        (string[] masked, string[] unmasked) clinician = await MaskingRecordAsync(instance, "%unmask_probe%");
        (string[] masked, string[] unmasked) analystRecord = await MaskingRecordAsync(instance, "%mask_probe%");
        Assert.Empty(clinician.masked);
        Assert.Equal(["clinic.patients.ssn", "clinic.patients.email"], clinician.unmasked);
        Assert.Equal(["clinic.patients.ssn:ssn"], analystRecord.masked);
        Assert.Empty(analystRecord.unmasked);
    }

    private IPEndPoint TapEndPoint => new(IPAddress.Loopback, _tap.Port);

    /// <summary>Binds <paramref name="statement"/> to the unnamed portal and executes it: the rows come, and no raw value with them.</summary>
    private async Task AssertBoundRowsMaskedAsync(RawClient client, string statement, int rows)
    {
        await client.SendAsync(w =>
        {
            new Bind("", statement, [], [], [FormatCode.Text]).WriteTo(w);
            new Execute("", 0).WriteTo(w);
            Sync.Write(w);
        }).Within();
        RawClient.QueryResult result = await client.ReadResultAsync().Within();

        Assert.Empty(result.Errors);
        Assert.Equal(rows, result.Rows.Count);
        AssertNoRawValue();
    }

    private void AssertNoRawValue()
    {
        byte[] received = _tap.Received;
        foreach (Patient patient in _patients)
        {
            foreach (string raw in new[] { patient.Ssn, patient.Email, patient.Phone })
            {
                Assert.False(
                    received.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(raw)) >= 0,
                    "a raw protected value of patient " + patient.Id + " reached the client");
            }
        }
    }

    private async Task<NpgsqlConnection> OpenAsync(string user)
    {
        var builder = new NpgsqlConnectionStringBuilder(_gateway.ConnectionString(Clinic).ConnectionString)
        {
            Port = _tap.Port,
            Username = user,
            Password = Password,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync().Within();
        return connection;
    }

    private Task<ProcessRunner.Result> PsqlAsync(string user, string sql) =>
        ProcessRunner.RunAsync(
            "/usr/bin/psql",
            ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql, $"postgresql://{user}@127.0.0.1:{_tap.Port}/{Clinic}?sslmode=disable"],
            TimeSpan.FromSeconds(30),
            new Dictionary<string, string> { ["PGPASSWORD"] = Password, ["PGCONNECT_TIMEOUT"] = "10" });

    private static async Task<List<string>> RowsAsync(NpgsqlConnection connection, string sql)
    {
        await using (connection)
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
            var rows = new List<string>();
            while (await reader.ReadAsync())
            {
                var values = new object[reader.FieldCount];
                reader.GetValues(values);
                rows.Add(string.Join('|', values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
            }

            return rows;
        }
    }

    private async Task<List<Patient>> ReadPatientsDirectlyAsync()
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = Clinic }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, ssn, dob::text, email, phone, diagnosis FROM clinic.patients ORDER BY id", connection);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        var patients = new List<Patient>();
        while (await reader.ReadAsync())
        {
            patients.Add(new Patient(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
        }

        return patients;
    }

    private async Task<(string[] Masked, string[] Unmasked)> MaskingRecordAsync(Guid instance, string sqlLike)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(fixture.Cluster.SuperuserConnectionString) { Database = "hg_audit" }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT masked_columns, unmasked_columns FROM hoopgate_audit.statements WHERE sql LIKE $1 AND session_id IN (SELECT session_id FROM hoopgate_audit.records WHERE instance_id = $2) ORDER BY started_at DESC LIMIT 1",
            connection);
        command.Parameters.AddWithValue(sqlLike);
        command.Parameters.AddWithValue(instance);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), "no audit record matches " + sqlLike);
        return (reader.GetFieldValue<string[]>(0), reader.GetFieldValue<string[]>(1));
    }

    private sealed record Patient(long Id, string Ssn, string Dob, string Email, string Phone, string Diagnosis);
}
