# O que a linha de comando diz a quem a opera. Linhas lidas por máquinas (relatórios JSON, o
# anúncio «listening on» do servidor) não são mensagens e ficam como estão.
cli-error = erro: { $message }
cli-election-created = criada: { $centers } locais, { $stations } mesas
cli-election-updated = atualizada a partir da versão { $from }: { $centers } locais, { $stations } mesas
cli-election-unchanged = sem alterações: { $centers } locais, { $stations } mesas
cli-election-sample = escrito { $file } ({ $centers } locais, { $stations } mesas)
cli-enroll-code = código { $code } (mesas: { $stations })
cli-enroll-qr = código QR escrito em { $file }
cli-user-made = coordenador { $name } (#{ $id }) vê { $scope } como { $role }
cli-scope-all = toda a eleição
cli-password = senha: { $password }
cli-reviewed = captura #{ $pk }: { $from } -> { $to }
cli-withdrawn = retirada: publicação n.º { $seq } (mesa { $table })
cli-export-full = exportação completa para { $dir }: { $tables } mesas geradas, { $written } arquivos escritos, { $unchanged } sem alterações, { $photos } fotos ligadas, { $files } arquivos no manifesto, { $seconds } s
cli-export-incremental = exportação incremental para { $dir }: { $tables } mesas geradas, { $written } arquivos escritos, { $unchanged } sem alterações, { $photos } fotos ligadas, { $files } arquivos no manifesto, { $seconds } s
cli-verified-only-on = contar só atas verificadas: sim
cli-verified-only-off = contar só atas verificadas: não
cli-on-verification-on = publicar ao verificar: sim
cli-on-verification-off = publicar ao verificar: não
cli-voters-off = consulta de eleitores desativada
cli-voters-on = consulta de eleitores ativada: { $voters } eleitores
cli-published = publicadas { $published }, já publicadas { $already }, nada a publicar { $nothing } (publicação agora no n.º { $seq })
cli-revoked = dispositivo { $device } revogado
cli-revoked-already = o dispositivo { $device } já estava revogado (desde { $at })
cli-official-imported = importação n.º { $id }: { $tables } mesas de { $file } ({ $bytes } bytes, SHA-256 { $sha256 }) em { $seconds } s; contraste recalculado em { $contrast_seconds } s
cli-contrast = { $contest }: { $compared } mesas comparadas, { $matching } coincidem, { $differing } diferem; { $official_only } só oficiais, { $ours_only } só nossas
cli-contrast-candidate = { $votes } votos para { $name } (nossos menos oficiais, nas mesas que diferem)
cli-discrepancies-written = discrepâncias escritas em { $file }
cli-quickcount-drawn = sorteadas { $size } mesas com a semente “{ $seed }” de { $strata } estratos:
cli-quickcount-stratum = { $name }: { $sample } de { $tables } mesas ({ $registered } eleitores)
cli-quickcount-none = a amostra ainda não foi sorteada (testigo quickcount draw)
cli-quickcount-status = contagem rápida (semente “{ $seed }”): { $reported } de { $size } mesas da amostra chegaram ({ $percent })
cli-quickcount-share = { $name }: { $share } ± { $margin }
cli-quickcount-beyond = a vantagem do primeiro supera a sua margem de erro (± { $margin } pontos)
cli-quickcount-within = a vantagem do primeiro está dentro da sua margem de erro (± { $margin } pontos)
cli-verify-manifest = manifesto: { $files } arquivos, eleição { $election } (pacote { $package }), chave do servidor { $key }
cli-verify-checked = verificados { $files } arquivos, { $captures } capturas publicadas
cli-verify-fail = FALHA { $failure }
cli-verify-valid = válido: cada assinatura, recibo e hash confere
cli-verify-invalid = inválido: { $failures } falhas
cli-sim-actas = escritas { $count } atas em { $dir }
cli-soak-rounds = { $rounds } rodadas: { $server_kills } quedas do servidor, { $phone_kills } do telefone; após cada queda nada confirmado se perdeu
cli-soak-drain = quando as quedas pararam o telefone tinha selado { $sealed } atas e guardava { $receipts } recibos
cli-soak-end = no fim: { $records } registros e { $photos } fotos no servidor exatamente uma vez, { $receipts } recibos no telefone ({ $seconds } s)
cli-demo-serving =
    O painel: { $url }/dash (usuário: coordinador, senha: { $password })
    O portal público: { $url }/ ({ $published } mesas publicadas)
    Os dados: { $dir }
    Ctrl-C para parar.
cli-demo-ok = ok
cli-demo-failed = FALHOU
cli-demo-title = Noite eleitoral: { $tables } mesas, { $watchers } fiscais ({ $twice } mesas com dois), perfil { $profile }, semente { $seed }, { $seconds } s
cli-demo-label-tables = mesas recebidas
cli-demo-label-records = registros entregues
cli-demo-label-photos = fotos entregues
cli-demo-label-duplicates = duplicados
cli-demo-label-mismatches = hashes divergentes
cli-demo-label-receipts = recibos nos telefones
cli-demo-label-tally = totais vs verdade
cli-demo-label-mistakes = erros
cli-demo-label-qr = códigos QR
cli-demo-label-time = tempo até as mesas
cli-demo-label-contrast = contraste oficial
cli-demo-label-quickcount = contagem rápida
cli-demo-label-network = rede
cli-demo-tables = { $reported } de { $total }
cli-demo-records = { $delivered } de { $sealed } selados
cli-demo-photos = { $delivered } de { $declared } declaradas
cli-demo-receipts = { $verified } verificados de { $due } devidos, { $bad } sem verificar, { $undelivered } itens não entregues
cli-demo-tally-equal = iguais, campo a campo
cli-demo-tally-differs = { $fields } campos diferem
cli-demo-mistakes = { $typed } digitados, { $flagged } apontados pelo telefone, { $corrected } corrigidos após selar
cli-demo-qr = { $read } lidos de { $printed } impressos
cli-demo-time = 50 %: { $p50 }, 90 %: { $p90 }, 100 %: { $p100 }
cli-demo-contrast = { $altered } mesas alteradas pela autoridade, { $differing } encontradas diferentes
cli-demo-quickcount = { $reported } de { $sample } mesas da amostra; primeiro { $leader } { $share } % ± { $margin } (verdade { $truth } %); { $within } de { $candidates } candidatos dentro de ±95 %
cli-demo-network = { $up } MB enviados, { $down } MB recebidos; { $resets } reinícios, { $stalls } bloqueios, { $blackholes } buracos negros, { $cut } respostas cortadas, { $errors } erros do proxy, { $outages } quedas
cli-demo-bar-sealed = atas seladas
cli-demo-bar-tables = mesas no servidor
cli-demo-bar-watchers = fiscais concluídos

cli-demo-label-channels = sem conexão
cli-demo-channels = { $cut } fiscais sem dados, { $runners } mensageiros; registros por SMS { $sms }, em pacotes { $bundles }, pela rede { $link }; fotos em pacotes { $pbundles }, pela rede { $plink }; { $sent } SMS enviados ({ $lost } perdidos, { $twice } duplicados; { $split } mensagens divididas entre os dois gateways), { $receipts } recibos por SMS

# testigo bundle import
cli-bundle-imported = { $file }: registros guardados { $stored }, já recebidos { $known }, recusados { $refused }; fotos guardadas { $photos }, já recebidas { $photos_known }, recusadas { $photos_refused }
cli-bundle-refused = { $file }: recusado inteiro, nada foi aceito: { $reason }
cli-bundles-refused = { $count } pacote(s) recusado(s)
