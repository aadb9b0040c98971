using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FaceGen.Jobs;
using FaceGen.Runtime;

namespace FaceGen.Experiments;

/// <summary>The keys a spec may set for one job: the settable public properties of its options record, by their
/// camelCase names, with their types. Checks single values and builds the options record from a JSON object.</summary>
internal sealed class OptionKeys
{
    static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new LenientEnumConverterFactory() },
    };

    static readonly Dictionary<ExperimentModel, OptionKeys> Catalogs = new()
    {
        [ExperimentModel.Gan] = new(typeof(GanJobOptions)),
        [ExperimentModel.Vae] = new(typeof(VaeJobOptions)),
        [ExperimentModel.Recognizer] = new(typeof(RecognizerJobOptions)),
    };

    readonly Type type;
    readonly Dictionary<string, PropertyInfo> properties;

    OptionKeys(Type type)
    {
        this.type = type;
        properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite)
            .ToDictionary(p => JsonNamingPolicy.CamelCase.ConvertName(p.Name));
    }

    public static OptionKeys For(ExperimentModel model) => Catalogs[model];

    public void CheckObject(JsonObject values, string where, ExperimentSpec spec)
    {
        foreach (var (key, value) in values) CheckValue(key, value, $"{where}.{key}", spec);
    }

    /// <summary>Throws a <see cref="Data.DataException"/> naming the spec and <paramref name="where"/> when
    /// <paramref name="key"/> is not an option of this job or <paramref name="value"/> does not fit its type.</summary>
    public void CheckValue(string key, JsonNode? value, string where, ExperimentSpec spec)
    {
        if (!properties.TryGetValue(key, out var property))
        {
            var hint = OptionNames.Suggest(key, properties.Keys);
            throw spec.Error($"{where}: unknown key '{key}' for {type.Name}{(hint.Length > 0 ? hint : ".")}");
        }
        try
        {
            var parsed = value?.Deserialize(property.PropertyType, Json);
            if (parsed is null && property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)
                throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw spec.Error($"{where}: {value?.ToJsonString() ?? "null"} is not {Describe(property.PropertyType)}.");
        }
    }

    /// <summary>The options record with the given values and the job's defaults for the rest.</summary>
    public object Create(JsonObject values) => values.Deserialize(type, Json)!;

    /// <summary>The seed the options in <paramref name="values"/> would have.</summary>
    public int Seed(JsonObject values) => (int)properties["seed"].GetValue(Create(values))!;

    static string Describe(Type t)
    {
        var inner = Nullable.GetUnderlyingType(t);
        var suffix = inner is null ? "" : " (or null)";
        t = inner ?? t;
        if (t.IsEnum) return $"one of {string.Join(", ", Enum.GetNames(t).Select(n => n.ToLowerInvariant()))}{suffix}";
        return (t == typeof(int) || t == typeof(long) ? "an integer"
            : t == typeof(double) ? "a number"
            : t == typeof(bool) ? "true or false"
            : t == typeof(string) ? "a string"
            : t.Name) + suffix;
    }

    /// <summary>Enums by the names of <see cref="OptionNames"/>, the rule the command line uses too.</summary>
    sealed class LenientEnumConverterFactory : JsonConverterFactory
    {
        public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

        public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
            (JsonConverter)Activator.CreateInstance(typeof(LenientEnumConverter<>).MakeGenericType(typeToConvert))!;
    }

    sealed class LenientEnumConverter<T> : JsonConverter<T> where T : struct, Enum
    {
        public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String) throw new JsonException("expected a name");
            return OptionNames.TryParse<T>(reader.GetString()!, out var value) ? value : throw new JsonException($"unknown {typeof(T).Name}");
        }

        public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.ToString().ToLowerInvariant());
    }
}
