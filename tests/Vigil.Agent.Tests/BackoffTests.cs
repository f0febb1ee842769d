using Vigil.Agent;
using Vigil.Protocol.Noise;

namespace Vigil.Agent.Tests;

/// <summary>The agent's reconnect delays: full jitter under an exponential ceiling, capped.</summary>
[TestFixture]
public sealed class BackoffTests
{
    private static AgentRunner Runner(string extra = "")
    {
        var dir = Directory.CreateTempSubdirectory("vigil-test-").FullName;
        var config = AgentConfig.Parse(
            $"relay = 127.0.0.1:1\nrelay_key = {Convert.ToBase64String(new byte[32])}\nstate_dir = {dir}\n{extra}".Split('\n'), "test.conf");
        return new AgentRunner(new AgentContext(config, KeyPair.Generate()));
    }

    [Test]
    public void EachDelayLiesUnderItsExponentialCeilingAndTheCap()
    {
        var runner = Runner();
        for (var attempt = 0; attempt < 12; attempt++)
        {
            var ceiling = Math.Min(60.0, Math.Pow(2, attempt));
            var delays = Enumerable.Range(0, 500).Select(_ => runner.Backoff(attempt).TotalSeconds).ToList();
            Assert.That(delays, Has.All.InRange(0.0, ceiling), $"attempt {attempt}");
            // Full jitter: spread over the whole range, not bunched at the ceiling.
            Assert.That(delays.Min(), Is.LessThan(ceiling * 0.1), $"attempt {attempt}");
            Assert.That(delays.Max(), Is.GreaterThan(ceiling * 0.9), $"attempt {attempt}");
        }
    }

    [Test]
    public void ManyAgentsRetryingAtOnceDoNotComeBackInOneWave()
    {
        // 1,000 agents losing their relay at the same moment, third attempt (ceiling 8 s): the
        // busiest second of their return must hold a small share of them.
        var runner = Runner();
        var perSecond = Enumerable.Range(0, 1000).Select(_ => (int)runner.Backoff(3).TotalSeconds).GroupBy(s => s).Max(g => g.Count());
        Assert.That(perSecond, Is.LessThan(250));
    }

    [Test]
    public void TheConfigSetsTheBounds()
    {
        var runner = Runner("backoff_min = 0.5\nbackoff_max = 4\n");
        Assert.That(Enumerable.Range(0, 200).Select(_ => runner.Backoff(10).TotalSeconds), Has.All.InRange(0.0, 4.0));
        Assert.That(Enumerable.Range(0, 200).Select(_ => runner.Backoff(0).TotalSeconds), Has.All.InRange(0.0, 0.5));
    }
}
