using System.Buffers;
using OrleansGate.Grains.Catalog;
using OrleansGate.Grains.Policy;

namespace OrleansGate.Proxy.Masking;

/// <summary>
/// Masks the values of one result column — one type, one wire format (§53.2.3: 0 text, 1 binary) —
/// as its <see cref="MaskRule"/> says. What each strategy yields per type is the table in
/// docs/masking.md, "Strategies and types". One instance serves every row of the column and
/// may be shared between threads: it holds no per-value state.
/// </summary>
public sealed partial class ColumnMasker
{
    private readonly string _column;
    private readonly uint _typeOid;
    private readonly TypeFamily _family;
    private readonly bool _binary;
    private readonly MaskStrategy _strategy;
    private readonly int _keepFirst;
    private readonly int _keepLast;
    private readonly DetectorSet _detectors;
    private readonly MaskingKey _key;

    private ColumnMasker(MaskRule rule, uint typeOid, bool binary, MaskingKey key, string column, bool textType)
    {
        _column = column;
        _typeOid = typeOid;
        _family = textType ? TypeFamily.Text : TypeOids.FamilyOf(typeOid);
        _binary = binary;
        _strategy = rule.Strategy;
        _keepFirst = rule.KeepFirst;
        _keepLast = rule.KeepLast;
        _detectors = ContentScanner.SetOf(rule.Detectors);
        _key = key;
        HidesNull = rule.Column == MaskRule.Derived.Column;
    }

    /// <summary>
    /// A value computed from masked values (or a whole row holding one) reads the same whether it
    /// is NULL or not: <c>nullif(substr(ssn, 1, 1), '1')</c> or <c>CASE WHEN ssn LIKE '1%' THEN 'x'
    /// END</c> would otherwise say a bit of ssn by being NULL. A masked column itself keeps its own
    /// NULLs (that the column is empty is not its value).
    /// </summary>
    public bool HidesNull { get; }

    /// <summary>What a NULL of a <see cref="HidesNull"/> column becomes: the placeholder a value gets; false (NULL) when the type has none.</summary>
    public bool MaskNull(IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        return _strategy != MaskStrategy.Null && WritePlaceholder(output);
    }

    // Redact's value for this column's type and format; false (NULL) for a type without one.
    private bool WritePlaceholder(IBufferWriter<byte> output)
    {
        if (!RedactPlaceholder.TryGet(_family, _binary, out var placeholder))
        {
            return false;
        }

        output.Write(placeholder);
        return true;
    }

    /// <summary>
    /// The masker for a column of type <paramref name="typeOid"/> sent in <paramref name="formatCode"/>.
    /// <paramref name="columnName"/> names the column in error messages (the rule's column when not given).
    /// <paramref name="textType"/>: the type has no fixed OID but its values are text (citext, a domain over text).
    /// </summary>
    public static ColumnMasker Create(MaskRule rule, uint typeOid, short formatCode, MaskingKey key, string? columnName = null,
        bool textType = false)
    {
        ArgumentNullException.ThrowIfNull(rule);
        ArgumentNullException.ThrowIfNull(key);
        if (formatCode is not (0 or 1))
        {
            throw new ArgumentOutOfRangeException(nameof(formatCode), formatCode, "a wire format code is 0 (text) or 1 (binary)");
        }

        if (!Enum.IsDefined(rule.Strategy))
        {
            throw new ArgumentOutOfRangeException(nameof(rule), rule.Strategy, "unknown mask strategy");
        }

        return new ColumnMasker(rule, typeOid, formatCode == 1, key, columnName ?? rule.Column, textType);
    }

    /// <summary>
    /// True for the types whose values are text (text, varchar, bpchar, name, unknown, json, jsonb):
    /// the columns a <c>*</c> rule's detectors run on. Extension types such as citext have no fixed
    /// OID and are not included.
    /// </summary>
    public static bool IsTextLike(uint typeOid) => TypeOids.FamilyOf(typeOid) is TypeFamily.Text or TypeFamily.Json or TypeFamily.Jsonb;

    /// <summary>
    /// Writes the masked form of one non-NULL value (a DataRow field, or a COPY field after
    /// unescaping) and returns true; or returns false, writing nothing, when the masked value is
    /// SQL NULL. Throws <see cref="MaskingException"/> when the value cannot be masked.
    /// </summary>
    public bool Mask(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);

        // Null without detectors never looks at the value, so nothing about it can matter.
        if (_strategy == MaskStrategy.Null && _detectors == DetectorSet.None)
        {
            return false;
        }

        if (_family is TypeFamily.Text or TypeFamily.Json or TypeFamily.Jsonb)
        {
            return MaskText(value, output);
        }

        // Detectors read text; on any other type the whole value is masked (fail closed).
        if (_strategy == MaskStrategy.Null || _family == TypeFamily.Other)
        {
            return false;
        }

        if (_strategy == MaskStrategy.Hash)
        {
            switch (_family)
            {
                case TypeFamily.Int2 or TypeFamily.Int4 or TypeFamily.Int8 or TypeFamily.Oid:
                    WriteHashedInteger(value, output);
                    return true;
                case TypeFamily.Uuid:
                    WriteHashedUuid(value, output);
                    return true;
            }
        }

        // Other (the one family without a placeholder) returned above.
        return WritePlaceholder(output);
    }

    private MaskingException Invalid(string problem) => MaskingException.ForValue(_column, _typeOid, problem);
}
