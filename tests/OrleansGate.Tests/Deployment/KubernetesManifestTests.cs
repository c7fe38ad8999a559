using System.Text.RegularExpressions;
using OrleansGate.Tests.Support;
using Xunit;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace OrleansGate.Tests.Deployment;

/// <summary>
/// deploy/kubernetes renders with kubectl kustomize (the base as is, the demo overlay with the
/// load restrictor off: it reads docker/), and what it renders is deployable as we promise: every
/// container has probes, resources and a non-root user; the base embeds no Secret and no secret
/// value, and every Secret and ConfigMap the demo references exists with the keys asked for; the
/// silos and proxies have disruption budgets; only the gateway reaches the targets.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly Regex SecretName = new("Password|ApiToken|Key$|ConnectionString", RegexOptions.Compiled);

    [Fact]
    public async Task The_base_embeds_no_secret_and_every_container_is_probed_limited_and_unprivileged()
    {
        var objects = await RenderAsync("deploy/kubernetes/base");

        Assert.DoesNotContain(objects, o => Kind(o) == "Secret");
        Assert.Equal(["orleansgate-proxy", "orleansgate-silo"], Workloads(objects).Select(Name).Order().ToArray());
        AssertContainers(objects);
        foreach (var env in Containers(objects).SelectMany(c => List(c.Container, "env")))
        {
            var name = (string)env["name"];
            Assert.False(SecretName.IsMatch(name) && env.ContainsKey("value"), $"{name} is a secret given as a literal value");
        }

        AssertBudgetsAndPolicies(objects);
    }

    [Fact]
    public async Task The_demo_overlay_references_only_secrets_and_config_maps_it_has_with_the_keys_it_asks_for()
    {
        var objects = await RenderAsync("deploy/kubernetes/overlays/demo", "--load-restrictor", "LoadRestrictionsNone");

        AssertContainers(objects);
        AssertBudgetsAndPolicies(objects);
        var secrets = objects.Where(o => Kind(o) == "Secret").ToDictionary(Name, o => Map(o, "data").Keys.Cast<string>().ToHashSet());
        var configMaps = objects.Where(o => Kind(o) == "ConfigMap").ToDictionary(Name, o => Map(o, "data").Keys.Cast<string>().ToHashSet());
        foreach (var (workload, container) in Containers(objects))
        {
            foreach (var env in List(container, "env"))
            {
                Assert.False(SecretName.IsMatch((string)env["name"]) && env.ContainsKey("value"), $"{env["name"]} of {Name(workload)} is a literal");
                if (env.GetValueOrDefault("valueFrom") is Dictionary<object, object> from && from.GetValueOrDefault("secretKeyRef") is Dictionary<object, object> key)
                {
                    Assert.True(secrets.TryGetValue((string)key["name"], out var keys), $"{Name(workload)}: no Secret {key["name"]}");
                    Assert.Contains((string)key["key"], keys);
                }
            }
        }

        foreach (var volume in Workloads(objects).SelectMany(w => List(Map(Map(Map(w, "spec"), "template"), "spec"), "volumes")))
        {
            if (volume.GetValueOrDefault("secret") is Dictionary<object, object> secret)
            {
                Assert.Contains((string)secret["secretName"], secrets.Keys);
            }

            if (volume.GetValueOrDefault("configMap") is Dictionary<object, object> configMap)
            {
                Assert.Contains((string)configMap["name"], configMaps.Keys);
            }
        }

        // The targets are labelled so that only the gateway reaches them.
        var shop = objects.Single(o => Kind(o) == "StatefulSet" && Name(o) == "shop-db");
        Assert.Equal("true", Map(Map(Map(Map(shop, "spec"), "template"), "metadata"), "labels")["orleansgate.io/target"]);
    }

    private static void AssertContainers(List<Dictionary<object, object>> objects)
    {
        var containers = Containers(objects).ToList();
        Assert.NotEmpty(containers);
        foreach (var (workload, container) in containers)
        {
            var what = $"{Name(workload)}/{container["name"]}";
            Assert.True(container.ContainsKey("readinessProbe"), $"{what}: no readinessProbe");
            Assert.True(container.ContainsKey("livenessProbe"), $"{what}: no livenessProbe");
            var resources = Map(container, "resources");
            Assert.True(resources.ContainsKey("requests") && resources.ContainsKey("limits"), $"{what}: no resource requests and limits");
            var pod = Map(Map(Map(workload, "spec"), "template"), "spec");
            var podSecurity = Map(pod, "securityContext");
            var security = Map(container, "securityContext");
            Assert.True(Equals(security.GetValueOrDefault("runAsNonRoot") ?? podSecurity.GetValueOrDefault("runAsNonRoot"), "true"), $"{what}: may run as root");
            Assert.NotEqual("0", (security.GetValueOrDefault("runAsUser") ?? podSecurity.GetValueOrDefault("runAsUser"))?.ToString());
            Assert.Equal("false", security.GetValueOrDefault("allowPrivilegeEscalation"));
            var ports = List(container, "ports").Select(p => p.GetValueOrDefault("name") as string).ToHashSet();
            foreach (var probe in new[] { "readinessProbe", "livenessProbe" }.Select(p => Map(container, p)))
            {
                if (probe.GetValueOrDefault("httpGet") is Dictionary<object, object> get && get["port"] is string named && !int.TryParse(named, out _))
                {
                    Assert.Contains(named, ports);
                }
            }
        }
    }

    private static void AssertBudgetsAndPolicies(List<Dictionary<object, object>> objects)
    {
        var budgets = objects.Where(o => Kind(o) == "PodDisruptionBudget")
            .Select(o => (string)Map(Map(Map(o, "spec"), "selector"), "matchLabels")["app.kubernetes.io/name"]).ToHashSet();
        Assert.Contains("orleansgate-silo", budgets);
        Assert.Contains("orleansgate-proxy", budgets);

        var targets = objects.Single(o => Kind(o) == "NetworkPolicy" && Map(Map(Map(o, "spec"), "podSelector"), "matchLabels").ContainsKey("orleansgate.io/target"));
        var from = List(Map(targets, "spec"), "ingress").SelectMany(i => List(i, "from")).ToList();
        var allowed = from.SelectMany(f => List(Map(f, "podSelector"), "matchExpressions")).SelectMany(e => ((List<object>)e["values"]).Cast<string>()).ToHashSet();
        Assert.Equal(["orleansgate-proxy", "orleansgate-silo"], allowed.Order().ToArray());
        Assert.All(from, f => Assert.Equal(["podSelector"], f.Keys.Cast<string>().ToArray()));
    }

    private static async Task<List<Dictionary<object, object>>> RenderAsync(string folder, params string[] options)
    {
        var result = await ClientTools.RunAsync("kubectl", ["kustomize", .. options, RepositoryFile.PathOf(folder)]);
        Assert.True(result.ExitCode == 0, result.Output);
        var parser = new Parser(new StringReader(result.StandardOutput));
        var deserializer = new DeserializerBuilder().Build();
        parser.Consume<StreamStart>();
        var objects = new List<Dictionary<object, object>>();
        while (parser.Accept<DocumentStart>(out _))
        {
            objects.Add(deserializer.Deserialize<Dictionary<object, object>>(parser));
        }

        return objects;
    }

    private static IEnumerable<Dictionary<object, object>> Workloads(List<Dictionary<object, object>> objects) =>
        objects.Where(o => Kind(o) is "Deployment" or "StatefulSet" or "DaemonSet");

    private static IEnumerable<(Dictionary<object, object> Workload, Dictionary<object, object> Container)> Containers(List<Dictionary<object, object>> objects) =>
        Workloads(objects).SelectMany(w =>
        {
            var pod = Map(Map(Map(w, "spec"), "template"), "spec");
            return List(pod, "containers").Concat(List(pod, "initContainers")).Select(c => (w, c));
        });

    private static string Kind(Dictionary<object, object> o) => (string)o["kind"];

    private static string Name(Dictionary<object, object> o) => (string)Map(o, "metadata")["name"];

    private static Dictionary<object, object> Map(Dictionary<object, object> o, string key) =>
        o.GetValueOrDefault(key) as Dictionary<object, object> ?? [];

    private static List<Dictionary<object, object>> List(Dictionary<object, object> o, string key) =>
        (o.GetValueOrDefault(key) as List<object> ?? []).Cast<Dictionary<object, object>>().ToList();
}
